/* Reply templates: "插入模板" puts the chosen canned text into the reply box at the cursor,
   so staff start from the unit's wording and edit it; without JavaScript the box is typed by hand. */
(function () {
  "use strict";
  var button = document.getElementById("insert-template");
  var picker = document.getElementById("reply-template");
  if (!button || !picker) { return; }
  var box = document.getElementById(button.getAttribute("data-target"));
  button.addEventListener("click", function () {
    var option = picker.options[picker.selectedIndex];
    if (!option || !box) { return; }
    var text = option.getAttribute("data-body") || "";
    var start = box.selectionStart, end = box.selectionEnd;
    if (typeof start !== "number" || document.activeElement !== box && box.value === "") {
      start = end = box.value.length;
    }
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  });
}());
