// The teacher's career chart: drawn when htmx brings in the career block (a script inside
// the swapped HTML would need the page's CSP nonce, which a later response cannot know).
(function () {
  function drawCareer() {
    const el = document.getElementById("career-chart");
    const source = document.getElementById("career-data");
    if (!el || !source || el.dataset.drawn || !window.echarts || !window.DangkeCharts) return;
    el.dataset.drawn = "1";
    const d = JSON.parse(source.textContent);
    const band = d.high.map(function (h, i) { return h === null || d.low[i] === null ? null : +(h - d.low[i]).toFixed(1); });
    const lessons = el.dataset.lessonsLabel, score = el.dataset.scoreLabel;
    DangkeCharts.draw(el, {
      color: ["#e57373", "#b71c1c"],
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, data: [lessons, score] },
      grid: { left: 40, right: 40, top: 16, bottom: 40 },
      xAxis: { type: "category", data: d.years },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100 }],
      series: [
        { name: lessons, type: "bar", data: d.lessons, label: { show: true, position: "top" } },
        { name: "low", type: "line", yAxisIndex: 1, data: d.low, stack: "ci", symbol: "none", lineStyle: { opacity: 0 }, tooltip: { show: false } },
        { name: el.dataset.intervalLabel, type: "line", yAxisIndex: 1, data: band, stack: "ci", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(183,28,28,0.15)" } },
        { name: score, type: "line", yAxisIndex: 1, data: d.score, connectNulls: false, label: { show: true } },
      ],
    });
  }
  document.addEventListener("DOMContentLoaded", drawCareer);
  document.addEventListener("htmx:afterSettle", drawCareer);
})();
