// The demand map: organisations as a scatter on longitude/latitude axes, sized by orders.
(function () {
  const element = document.getElementById("demand-map");
  const source = document.getElementById("demand-data");
  if (!element || !source || !window.echarts) return;
  const points = JSON.parse(source.textContent);
  const unit = element.dataset.unit || "";
  // The organisation's name reaches the formatter escaped (DangkeCharts.draw, charts.js).
  DangkeCharts.draw(element, {
    tooltip: {
      trigger: "item",
      formatter: function (p) { return p.name + "：" + p.value[2] + " " + unit; },
    },
    grid: { left: 56, right: 24, top: 24, bottom: 40 },
    xAxis: { type: "value", scale: true, name: element.dataset.lon || "", nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "value", scale: true, name: element.dataset.lat || "" },
    series: [{
      type: "scatter",
      data: points,
      symbolSize: function (value) { return Math.min(40, 6 + Math.sqrt(value[2]) * 5); },
      itemStyle: { color: "#b71c1c", opacity: 0.7 },
    }],
  });
})();
