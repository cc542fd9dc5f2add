// Charts of a delivery analysis report (ECharts, served locally) from #insights-chart-data.
(function () {
  const source = document.getElementById("insights-chart-data");
  if (!source || !window.echarts) return;
  const d = JSON.parse(source.textContent);
  const n = d.series_names;
  function draw(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    DangkeCharts.draw(element, option);
  }
  const boundaryLines = d.boundaries.slice(1).map(function (b) {
    return { xAxis: d.labels[b.index], label: { formatter: b.title, position: "insideEndTop" } };
  });
  draw("chart-timeline", {
    color: ["#b71c1c", "#1565c0", "#9e9e9e", "#ffb300"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 32 },
    xAxis: { type: "category", data: d.labels },
    yAxis: [{ type: "value", name: "/min" }, { type: "value", name: "s / 次", position: "right" }],
    series: [
      {
        name: n.cpm, type: "line", data: d.cpm, connectNulls: false,
        markArea: {
          silent: true, itemStyle: { color: "rgba(46,125,50,0.08)" },
          data: [[{ yAxis: d.comfortable[0], name: n.comfortable }, { yAxis: d.comfortable[1] }]],
        },
        markLine: { symbol: "none", lineStyle: { type: "dashed", color: "#555" }, data: boundaryLines },
      },
      { name: n.spm, type: "line", data: d.spm },
      { name: n.pause, type: "bar", yAxisIndex: 1, data: d.pause, barMaxWidth: 12 },
      { name: n.fillers, type: "bar", yAxisIndex: 1, data: d.fillers, barMaxWidth: 12 },
    ],
  });
  draw("chart-pitch", {
    color: ["#6d4c41", "#8e24aa"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 32 },
    xAxis: { type: "category", data: d.labels },
    yAxis: [{ type: "value", name: "Hz", scale: true }, { type: "value", name: "st", position: "right" }],
    series: [
      { name: n.pitch, type: "line", data: d.pitch },
      { name: n.pitch_range, type: "bar", yAxisIndex: 1, data: d.pitch_range, barMaxWidth: 12 },
    ],
  });
  draw("chart-points", {
    color: ["#9e9e9e", "#b71c1c"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 16, top: 36, bottom: 48 },
    xAxis: { type: "category", data: d.points.titles, axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
    yAxis: { type: "value", name: "min" },
    series: [
      { name: n.planned, type: "bar", data: d.points.planned, label: { show: true, position: "top" } },
      { name: n.actual, type: "bar", data: d.points.actual, label: { show: true, position: "top" } },
    ],
  });
})();
