/* Draws the dashboard's street map from the JSON the page carries (hotline/reporting/
   street_map.py) over the city's boundaries, fetched from their own URL (the browser keeps
   them between pages): each street filled by its overdue count, red where tickets pile up, a
   marker at its point sized by its open tickets; a click opens that street's tickets. The
   table beside it holds the same numbers and links, so the page works without scripts. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  var el = document.getElementById("chart-map");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent).map;
  if (!data || !data.geojson_url) { el.hidden = true; return; }
  fetch(data.geojson_url, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(r.statusText)); })
    .then(draw, function () { el.hidden = true; });  // the table beside it has it all

  function draw(geojson) {
    echarts.registerMap("city", geojson);
    var colours = { red: "#b3261e", yellow: "#f2b705", none: "#e8edf3" };
    var byCode = {};
    data.streets.forEach(function (s) { byCode[s.code] = s; });
    var regions = data.streets.filter(function (s) { return s.street; })
      .map(function (s) {
        return { name: s.code, itemStyle: { areaColor: colours[s.level] },
                 // Above the street's marker, which sits at its point near the centre.
                 label: { show: true, fontSize: 10, formatter: function () { return s.short; },
                          offset: [0, s.open > 0 && s.lat !== null ? -16 : 0], color: s.level === "red" ? "#fff" : "#3d4852",
                          fontWeight: s.level === "red" ? "bold" : "normal" } };
      });
    var markers = data.streets.filter(function (s) { return s.lat !== null && s.open > 0; })
      .map(function (s) {
        return { name: s.code, value: [s.lng, s.lat, s.open],
                 itemStyle: { color: s.level === "red" ? "#b3261e" : "#0b57a4",
                              borderColor: "#fff", borderWidth: 1.5 } };
      });
    function tip(code) {
      var s = byCode[code];
      return s ? s.name + "<br>" + data.labels.open + " " + s.open + " · " + data.labels.overdue +
        " " + s.overdue : "";
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
      tooltip: { formatter: function (p) { return tip(p.name); } },
      geo: {
        map: "city", nameProperty: "code", roam: true, label: { show: false },
        // Streets over districts: a district's own outline shows where it has no streets.
        itemStyle: { areaColor: colours.none, borderColor: "#7a8794", borderWidth: 0.8 },
        emphasis: { itemStyle: { areaColor: "#c9d6e3" }, label: { show: false } },
        regions: regions
      },
      series: [{
        type: "scatter", coordinateSystem: "geo", data: markers,
        symbolSize: function (v) { return Math.min(36, 8 + 3 * Math.sqrt(v[2])); },
        label: { show: true, formatter: function (p) { return String(p.value[2]); },
                 color: "#fff", fontSize: 10 }
      }]
    });
    chart.on("click", function (p) {
      var s = byCode[p.name];
      if (s) { window.location.href = s.url; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
}());
