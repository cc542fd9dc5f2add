// Draws every element with data-chart from the JSON in #chart-data (ECharts, served locally).
(function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const palette = ["#b71c1c", "#e57373", "#ffb300", "#6d4c41", "#1565c0", "#2e7d32", "#8e24aa"];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    const series = data[element.dataset.source] || [];
    const chart = echarts.init(element);
    const option = element.dataset.chart === "pie"
      ? {
          color: palette,
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          legend: { bottom: 0 },
          series: [{ type: "pie", radius: ["35%", "65%"], data: series, label: { formatter: "{b}\n{c}" } }],
        }
      : {
          color: palette,
          tooltip: { trigger: "axis" },
          grid: { left: 48, right: 16, top: 16, bottom: 32 },
          xAxis: { type: "category", data: series.map(function (d) { return d.name; }) },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", data: series.map(function (d) { return d.value; }), label: { show: true, position: "top" } }],
        };
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
