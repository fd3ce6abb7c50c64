/* Draws the dashboard's street map from the JSON the page carries (hotline/reporting/
   street_map.py) over the city's boundaries, fetched from their own URL (the browser keeps
   them between pages): each street filled by its overdue count, red where tickets pile up, a
   marker at its point sized by its open tickets; a click on the marker opens that street's
   tickets, a click on the street's area drills into it (?map_street=CODE). Drilled in, the map
   centres on the street and draws its communities (社区/村) as points sized by their open
   tickets and coloured by their overdue ones; a click on one opens its tickets. The table
   beside it holds the same numbers and links, so the page works without scripts. */
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
    var byCode = {}, inside = {};
    var focus = data.focus || null;
    data.streets.forEach(function (s) { byCode[s.code] = s; });
    (data.communities || []).forEach(function (c) { inside[c.code] = c; });
    var regions = data.streets.filter(function (s) { return s.street; })
      .map(function (s) {
        if (focus && s.code === focus.code) {  // drilled in: light, so its communities show
          return { name: s.code, label: { show: false },
                   itemStyle: { areaColor: "#fbfcfd", borderColor: "#1f2933", borderWidth: 2 } };
        }
        return { name: s.code, itemStyle: { areaColor: colours[s.level] },
                 // Above the street's marker, which sits at its point near the centre.
                 label: { show: true, fontSize: 10, formatter: function () { return s.short; },
                          offset: [0, s.open > 0 && s.lat !== null ? -16 : 0], color: s.level === "red" ? "#fff" : "#3d4852",
                          fontWeight: s.level === "red" ? "bold" : "normal" } };
      });
    var markers = data.streets.filter(function (s) {
      return s.lat !== null && s.open > 0 && !(focus && s.code === focus.code);
    })
      .map(function (s) {
        return { name: s.code, value: [s.lng, s.lat, s.open],
                 itemStyle: { color: s.level === "red" ? "#b3261e" : "#0b57a4",
                              borderColor: "#fff", borderWidth: 1.5 } };
      });
    // Drilled in: the communities, every one drawn (a quiet one small and grey).
    var points = (data.communities || []).map(function (c) {
      return { name: c.code, value: [c.lng, c.lat, c.open],
               itemStyle: { color: { red: colours.red, yellow: colours.yellow }[c.level] ||
                                   (c.open > 0 ? "#0b57a4" : "#8a96a3"),
                            borderColor: "#fff", borderWidth: 1.5 } };
    });
    function tip(code) {
      var s = inside[code] || byCode[code];
      return s ? s.name + "<br>" + data.labels.open + " " + s.open + " · " + data.labels.overdue +
        " " + s.overdue : "";
    }
    var view = focus ? zoomTo(geojson, focus.code) : {};
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
      tooltip: { formatter: function (p) { return tip(p.name); } },
      geo: {
        map: "city", nameProperty: "code", roam: true, label: { show: false },
        center: view.center, zoom: view.zoom || 1,
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
      }, {
        type: "scatter", coordinateSystem: "geo", data: points, z: 3,
        labelLayout: { moveOverlap: "shiftY" },
        symbolSize: function (v) { return Math.min(40, 14 + 4 * Math.sqrt(v[2])); },
        label: { show: true, position: "right", fontSize: 11, color: "#1f2933",
                 formatter: function (p) {
                   var c = inside[p.name];
                   return c ? c.name.split(" ").pop() + " " + c.open + "/" + c.overdue : "";
                 } }
      }]
    });
    chart.on("click", function (p) {
      if (p.componentType === "series" && p.seriesIndex === 1) {
        if (inside[p.name]) { window.location.href = inside[p.name].url; }
        return;
      }
      var s = byCode[p.name];
      if (!s) { return; }
      // The street's area drills into its communities; its marker opens its tickets.
      window.location.href = p.componentType === "geo" && s.drill ? s.drill : s.url;
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // The centre and zoom that frame one feature (the street drilled into) in the whole map.
  function zoomTo(geojson, code) {
    var all = box(geojson.features), one = box(geojson.features.filter(function (f) {
      return f.properties && f.properties.code === code;
    }));
    if (!one) { return {}; }
    var zoom = Math.min((all[2] - all[0]) / Math.max(one[2] - one[0], 1e-6),
                        (all[3] - all[1]) / Math.max(one[3] - one[1], 1e-6));
    return { center: [(one[0] + one[2]) / 2, (one[1] + one[3]) / 2],
             zoom: Math.max(1, Math.min(zoom * 0.8, 20)) };
  }

  function box(features) {
    var b = null;
    function walk(c) {
      if (typeof c[0] === "number") {
        b = b ? [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]),
                 Math.max(b[3], c[1])] : [c[0], c[1], c[0], c[1]];
        return;
      }
      c.forEach(walk);
    }
    features.forEach(function (f) { if (f.geometry) { walk(f.geometry.coordinates); } });
    return b;
  }
}());
