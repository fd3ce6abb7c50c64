/* The web form's map (issue 18): the city's own boundaries, drawn by the vendored ECharts;
   a click on the map puts the problem's point into the same hidden latitude/longitude fields
   the "use my location" button fills. Nothing leaves for a third party; without JavaScript
   the map stays hidden and the address field is the way. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  var source = document.getElementById("pick-map-data");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  var status = document.getElementById("location-status");
  var clear = document.getElementById("locate-clear");
  if (!el || !source || !lat || !lon || typeof echarts === "undefined") { return; }
  el.hidden = false;
  echarts.registerMap("city", JSON.parse(source.textContent));
  var chart = echarts.init(el, null, { renderer: "svg" });

  function mark(point) {
    chart.setOption({ series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 14,
                                 itemStyle: { color: "#b3261e" },
                                 data: point ? [point] : [] }] });
  }
  chart.setOption({
    geo: { map: "city", nameProperty: "code", roam: true, label: { show: false },
           itemStyle: { areaColor: "#eef2f6", borderColor: "#7a8794", borderWidth: 0.8 },
           emphasis: { itemStyle: { areaColor: "#dbe5ef" }, label: { show: false } } },
    series: []
  });
  if (lat.value && lon.value) { mark([Number(lon.value), Number(lat.value)]); }

  chart.getZr().on("click", function (event) {
    var point = chart.convertFromPixel({ geoIndex: 0 }, [event.offsetX, event.offsetY]);
    if (!point) { return; }
    lat.value = point[1].toFixed(6);
    lon.value = point[0].toFixed(6);
    mark(point);
    status.textContent = el.dataset.picked + " " + point[1].toFixed(5) + ", " + point[0].toFixed(5);
    if (clear) { clear.hidden = false; }
  });
  if (clear) { clear.addEventListener("click", function () { mark(null); }); }
  window.addEventListener("resize", function () { chart.resize(); });
}());
