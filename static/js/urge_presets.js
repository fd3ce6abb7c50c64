/* 督办 presets: each button puts its deadline (today's close, 1/3/5 working days, computed on the
   server with the working calendar) into the date-time field; without JavaScript the buttons
   stay hidden and the field is filled by hand. */
(function () {
  "use strict";
  var groups = document.querySelectorAll(".presets[data-target]");
  Array.prototype.forEach.call(groups, function (group) {
    var field = document.getElementById(group.getAttribute("data-target"));
    if (!field) { return; }
    group.hidden = false;
    group.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-value]");
      if (!button) { return; }
      field.value = button.getAttribute("data-value");
      field.focus();
    });
  });
}());
