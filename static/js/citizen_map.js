/* The web form's map (issue 18): the city's own boundaries, fetched from their own URL (the
   browser keeps them) and drawn by the vendored ECharts; a click on the map puts the problem's
   point into the same hidden latitude/longitude fields the "use my location" button fills.
   Nothing leaves for a third party; without JavaScript, or when the boundaries cannot be
   fetched, the map stays hidden and the address field is the way. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var status = document.getElementById("location-status");
  var clear = document.getElementById("locate-clear");
  if (!el || !el.dataset.geojson || !lat || !lon || typeof echarts === "undefined") { return; }
  var hint = document.getElementById("pick-map-hint");
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(r.statusText)); })
    .then(draw, function () { /* the map stays hidden */ });

  function draw(city) {
    el.hidden = false;
    if (hint) { hint.hidden = false; }
    echarts.registerMap("city", city);
    // Street names to find one's place by; a district's name would sit under its streets'.
    var regions = city.features.filter(function (f) { return f.properties.kind !== "district"; })
      .map(function (f) {
        var name = f.properties.name || "";
        return { name: f.properties.code,
                 label: { show: true, fontSize: 9, color: "#3d4852",
                          formatter: function () { return name; } } };
      });
    var chart = echarts.init(el, null, { renderer: "svg" });

    function mark(point) {
      chart.setOption({ series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 14,
                                   itemStyle: { color: "#b3261e" },
                                   data: point ? [point] : [] }] });
    }
    chart.setOption({
      geo: { map: "city", nameProperty: "code", roam: true, label: { show: false },
             itemStyle: { areaColor: "#eef2f6", borderColor: "#7a8794", borderWidth: 0.8 },
             emphasis: { itemStyle: { areaColor: "#dbe5ef" } }, regions: regions },
      series: []
    });
    if (lat.value && lon.value) { mark([Number(lon.value), Number(lat.value)]); }

    chart.getZr().on("click", function (event) {
      var point = chart.convertFromPixel({ geoIndex: 0 }, [event.offsetX, event.offsetY]);
      if (!point) { return; }
      lat.value = point[1].toFixed(6);
      lon.value = point[0].toFixed(6);
      mark(point);
      status.textContent = el.dataset.picked + " " + point[1].toFixed(5) + ", " +
        point[0].toFixed(5);
      if (clear) { clear.hidden = false; }
    });
    if (clear) { clear.addEventListener("click", function () { mark(null); }); }
    window.addEventListener("resize", function () { chart.resize(); });
  }
}());
