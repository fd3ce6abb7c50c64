/* Draws the dashboard's two charts from the JSON the page carries; the tables beside them
   hold the same numbers, so the page is complete without scripts or ECharts. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) {
    var trend = echarts.init(trendEl, null, { renderer: "svg" });
    trend.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 28 },
      xAxis: { type: "category", data: data.trend.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.trend.labels.volume, type: "line", smooth: false, data: data.trend.volume,
          itemStyle: { color: "#0b57a4" }, areaStyle: { opacity: 0.12 } },
        { name: data.trend.labels.overdue, type: "bar", data: data.trend.overdue,
          itemStyle: { color: "#b3261e" } }
      ]
    });
    charts.push(trend);
  }

  var gridEl = document.getElementById("chart-districts");
  if (gridEl) {
    var names = data.districts.map(function (d) { return d.name; });
    var rows = [data.district_labels.overdue, data.district_labels.open];
    var cells = [];
    var worst = 1;
    data.districts.forEach(function (d, i) {
      cells.push([i, 0, d.overdue]);
      cells.push([i, 1, d.open]);
      worst = Math.max(worst, d.overdue, d.open);
    });
    var grid = echarts.init(gridEl, null, { renderer: "svg" });
    grid.setOption({
      aria: { enabled: true },
      tooltip: { position: "top" },
      // The colour legend sits above the grid, and the grid holds its own axis labels
      // (containLabel): a rotated district name such as 未知区县 is never under the legend.
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 6 ? 30 : 0 } },
      yAxis: { type: "category", data: rows },
      visualMap: { min: 0, max: worst, calculable: false, orient: "horizontal", right: 16,
                   top: 0, itemHeight: 120, itemWidth: 12,
                   inRange: { color: ["#f4f6f9", "#f2b705", "#b3261e"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true } }]
    });
    charts.push(grid);
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
}());
