// The web form's "use my location" button: the browser's geolocation fills the hidden
// latitude/longitude fields. No map and no request to anyone else: the position goes to us
// with the form, and only when the citizen presses the button. Without geolocation (or
// without JavaScript) the button stays hidden and the address field is the way.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var clear = document.getElementById("locate-clear");
  var status = document.getElementById("location-status");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!button || !lat || !lon || !("geolocation" in navigator)) { return; }
  button.hidden = false;

  function show(text) { status.textContent = text; }

  button.addEventListener("click", function () {
    show(status.dataset.locating);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      show(status.dataset.located + " " + pos.coords.latitude.toFixed(5) + ", " +
           pos.coords.longitude.toFixed(5) + " (±" + Math.round(pos.coords.accuracy) + " m)");
      button.disabled = false;
      clear.hidden = false;
    }, function () {
      show(status.dataset.failed);
      button.disabled = false;
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });

  clear.addEventListener("click", function () {
    lat.value = "";
    lon.value = "";
    show("");
    clear.hidden = true;
  });
}());
