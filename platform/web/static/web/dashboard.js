// Dashboards (驾驶舱): draws each table's chart with Apache ECharts from the page's JSON
// (json_script "dashboard-charts"), keeps the pickers in step, and refreshes the figures
// on their own while the period includes today. Without ECharts the tables stand alone.
(function () {
  "use strict";
  var drawn = [];
  var palette = ["#1769aa", "#e07b00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41"];

  function yuan(value) {
    var n = Number(value);
    if (!isFinite(n)) return "—";
    return (n < 0 ? "-¥" : "¥") + Math.abs(n).toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function short(value) {  // axis labels: 1.2亿 / 3,400万 in Chinese, 1.2M in English
    var n = Number(value), zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    if (zh && Math.abs(n) >= 1e8) return (n / 1e8).toFixed(1) + "亿";
    if (zh && Math.abs(n) >= 1e4) return (n / 1e4).toFixed(0) + "万";
    if (!zh && Math.abs(n) >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (!zh && Math.abs(n) >= 1e3) return (n / 1e3).toFixed(0) + "k";
    return String(n);
  }
  function numbers(list) { return list.map(function (v) { return v === null ? null : Number(v); }); }

  function option(chart) {
    var narrow = window.matchMedia("(max-width: 760px)").matches;
    var money = chart.series.some(function (s) { return s.money; });
    var base = {color: palette, animation: false, legend: {type: "scroll", top: 0},
      tooltip: {trigger: chart.kind === "pie" || chart.kind === "funnel" ? "item" : "axis", confine: true,
        valueFormatter: function (v) { return money ? yuan(v) : (v === null ? "—" : Number(v).toLocaleString()); }}};
    if (chart.kind === "funnel") {
      base.series = [{type: "funnel", top: 30, bottom: 10, left: "10%", width: "80%", sort: "none",
        label: {show: true, position: "inside"},
        data: chart.x.map(function (name, i) { return {name: name, value: Number(chart.series[0].data[i])}; })}];
      return base;
    }
    // containLabel: the grid makes room for its labels (at 360 px the rotated dates were cut at the edge);
    // hideOverlap drops the labels that would collide, so a 30-day axis shows every few days
    base.grid = {left: 4, right: narrow ? 16 : 24, top: 36, bottom: 4, containLabel: true};
    base.xAxis = {type: "category", data: chart.x,
      axisLabel: {rotate: narrow && chart.x.length > 4 ? 45 : chart.x.length > 12 ? 30 : 0, hideOverlap: true,
        interval: "auto", fontSize: narrow ? 10 : 12}};
    base.yAxis = {type: "value", axisLabel: {formatter: short}};
    base.series = chart.series.map(function (s) {
      return {name: s.name, type: chart.kind === "line" ? "line" : "bar", data: numbers(s.data), smooth: chart.kind === "line",
        stack: chart.stacked ? "total" : undefined, emphasis: {focus: "series"}};
    });
    return base;
  }

  function draw() {
    drawn.forEach(function (c) { c.dispose(); });
    drawn = [];
    var source = document.getElementById("dashboard-charts");
    if (!source) return;
    var charts = JSON.parse(source.textContent);
    if (!window.echarts) {
      document.querySelectorAll("[data-chart]").forEach(function (el) { el.hidden = true; });
      return;
    }
    charts.forEach(function (chart) {
      var el = document.getElementById("chart-" + chart.key);
      if (!el) return;
      var instance = window.echarts.init(el, null, {renderer: "canvas"});
      instance.setOption(option(chart));
      drawn.push(instance);
      el.setAttribute("data-drawn", "true");
    });
  }

  function pickers() {
    var form = document.querySelector("[data-picker]");
    if (!form) return;
    var kind = form.querySelector("select[name=period]"), range = form.querySelector("[data-range]");
    function fit() { if (range) range.hidden = kind.value !== "range"; }
    kind.addEventListener("change", fit);
    fit();
    var go = form.querySelector("select[data-goto]");
    if (go) go.addEventListener("change", function () { window.location.href = go.value; });
  }

  function refresh() {
    var box = document.querySelector("[data-figures][data-refresh]");
    if (!box) return;
    var seconds = Number(box.getAttribute("data-refresh")) || 60;
    window.setInterval(function () {
      if (document.hidden) return;
      var url = new URL(window.location.href);
      url.searchParams.set("part", "figures");
      fetch(url.toString(), {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var current = document.getElementById("figures");
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#figures");
          if (current && fresh) { current.replaceWith(fresh); draw(); }
        })
        .catch(function () { /* offline for a moment: the next tick tries again */ });
    }, seconds * 1000);
  }

  var resizing;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
  });
  pickers();
  draw();
  refresh();
})();
