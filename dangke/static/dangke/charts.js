// Every ECharts chart of the site is drawn through DangkeCharts.draw, the one place that
// decides how data reaches a tooltip: ECharts renders tooltips as HTML, so a name typed by
// a user (an organisation, a teacher, a module, an outline point) must arrive there as
// text. draw() hands every tooltip formatter an escaped copy of its parameters and turns
// template strings ("{b}：{c}") into functions over the same escaped copy (issue #29).
// Labels, legends and axes are painted on the canvas and need no escaping.
window.DangkeCharts = (function () {
  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function escapeText(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; });
  }

  // A copy in which every string is escaped. `marker` is the coloured dot ECharts builds
  // itself from our palette; it stays HTML.
  function asText(value, depth) {
    if (typeof value === "string") return escapeText(value);
    if (depth > 6 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(function (v) { return asText(v, depth + 1); });
    const copy = {};
    Object.keys(value).forEach(function (key) {
      copy[key] = key === "marker" ? value[key] : asText(value[key], depth + 1);
    });
    return copy;
  }

  function fromTemplate(template) {
    return function (p) {
      const values = { a: p.seriesName, b: p.name, c: p.value, d: p.percent };
      return template.replace(/\{([abcd])\}/g, function (_, key) {
        const v = values[key];
        return v === undefined || v === null ? "" : String(v);
      });
    };
  }

  function textOnly(formatter) {
    const format = typeof formatter === "string" ? fromTemplate(formatter) : formatter;
    return function (params, ticket, callback) {
      return format(asText(params, 0), ticket, callback);
    };
  }

  // Every `tooltip` anywhere in the option (top level, per series, per data item).
  function guardTooltips(node, depth) {
    if (depth > 8 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) { node.forEach(function (n) { guardTooltips(n, depth + 1); }); return; }
    Object.keys(node).forEach(function (key) {
      const child = node[key];
      if (key === "tooltip" && child && typeof child === "object" && child.formatter) {
        child.formatter = textOnly(child.formatter);
      }
      guardTooltips(child, depth + 1);
    });
  }

  function draw(element, option) {
    guardTooltips(option, 0);
    const chart = echarts.init(element);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  return { draw: draw, escapeText: escapeText };
})();

// Draws every element with data-chart from the JSON in #chart-data (ECharts, served locally).
(function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const palette = ["#b71c1c", "#e57373", "#ffb300", "#6d4c41", "#1565c0", "#2e7d32", "#8e24aa"];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    const series = data[element.dataset.source] || [];
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
    DangkeCharts.draw(element, option);
  });
})();
