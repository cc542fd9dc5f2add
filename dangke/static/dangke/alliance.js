// The alliance page's charts (联盟主页): orders of shared courses per member per month,
// exchanges by status per member, and the shared library's published scores with their
// 95% interval and n. Drawn through DangkeCharts.draw (escaped tooltips); without
// JavaScript the containers stay hidden and the tables below say the same.
(function () {
  const source = document.getElementById("alliance-chart-data");
  if (!source || !window.echarts || !window.DangkeCharts) return;
  const data = JSON.parse(source.textContent);
  const palette = ["#b71c1c", "#1565c0", "#ffb300", "#2e7d32", "#6d4c41", "#8e24aa", "#e57373"];

  function show(id) {
    const element = document.getElementById(id);
    if (!element) return null;
    element.hidden = false;
    return element;
  }

  function stacked(element, categories, series) {
    DangkeCharts.draw(element, {
      color: palette,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 56 },
      xAxis: { type: "category", data: categories },
      yAxis: { type: "value", minInterval: 1 },
      series: series.map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.data };
      }),
    });
  }

  if (data.orders.length) stacked(show("chart-orders"), data.months, data.orders);
  if (data.exchange_members.length) {
    stacked(show("chart-exchanges"), data.exchange_members, data.exchanges);
  }
  if (data.ratings.length) {
    const element = show("chart-ratings");
    element.style.height = Math.max(160, 48 + 36 * data.ratings.length) + "px";
    const names = data.ratings.map(function (r) { return r.name; });
    DangkeCharts.draw(element, {
      color: palette,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          const r = p.data.rating;
          const interval = r.low === null ? "" : "，95%区间 " + r.low + "–" + r.high;
          return r.name + "（" + r.origin + "）<br>" + r.score + interval + "，n=" + r.n;
        },
      },
      grid: { left: 8, right: 120, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: names, inverse: true },
      series: [
        {
          type: "bar",
          data: data.ratings.map(function (r) { return { value: r.score, rating: r }; }),
          label: {
            show: true,
            position: "right",
            formatter: function (p) {
              const r = p.data.rating;
              return r.low === null ? r.score + "（n=" + r.n + "）"
                : r.score + "（" + r.low + "–" + r.high + "，n=" + r.n + "）";
            },
          },
        },
      ],
    });
  }
})();
