/* Unit type-ahead on a <datalist>: the browser filters the 80-odd units as one types a name or a
   code. For 协办 (several units) each chosen unit becomes a removable chip carrying a hidden
   `assisting` field, instead of a Ctrl+click multi-select. Without JavaScript the typing field
   keeps its name, so one unit typed there is still sent. */
(function () {
  "use strict";
  function optionValues(list) {
    return Array.prototype.map.call(list ? list.options : [], function (o) { return o.value; });
  }
  function codeOf(label) {
    var m = /（([^（）]+)）$/.exec(label);
    return m ? m[1] : label;
  }
  // Single pickers: say so at once when the text is not one of the units.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-unit-picker]"), function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var message = input.getAttribute("data-unknown") || "";
    input.addEventListener("change", function () {
      var known = !input.value || optionValues(list).indexOf(input.value) >= 0;
      input.setCustomValidity(known ? "" : message);
    });
  });
  // Multi pickers (协办).
  Array.prototype.forEach.call(document.querySelectorAll("[data-unit-multi]"), function (box) {
    var input = box.querySelector("input[list]");
    var chips = box.querySelector(".chips");
    var list = document.getElementById(input.getAttribute("list"));
    var name = input.getAttribute("name");
    var removeLabel = box.getAttribute("data-remove") || "×";
    input.removeAttribute("name");
    function chosen() {
      return Array.prototype.map.call(chips.querySelectorAll("input[type=hidden]"), function (h) { return h.value; });
    }
    function add(label) {
      var code = codeOf(label);
      if (chosen().indexOf(code) >= 0) { return; }
      var chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = label + " ";
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = code;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.setAttribute("aria-label", removeLabel + " " + label);
      remove.textContent = "×";
      remove.addEventListener("click", function () { chip.remove(); input.focus(); });
      chip.appendChild(hidden);
      chip.appendChild(remove);
      chips.appendChild(chip);
    }
    Array.prototype.forEach.call(box.querySelectorAll("[data-initial]"), function (item) {
      add(item.getAttribute("data-initial"));
      item.remove();
    });
    function take() {
      if (optionValues(list).indexOf(input.value) >= 0) {
        add(input.value);
        input.value = "";
      }
    }
    input.addEventListener("change", take);
    input.addEventListener("input", function () {
      // A pick from the list fires `input` with the whole option's text.
      if (optionValues(list).indexOf(input.value) >= 0) { take(); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); take(); }
    });
  });
  // The dispatch queue: a box that ticks or clears every row, and the count of ticked rows. Run
  // again when static/js/live.js has replaced the list (the box is then a new element).
  function checkAll() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-check-all]"), function (all) {
      var form = document.getElementById(all.getAttribute("data-check-all"));
      var count = document.getElementById(all.getAttribute("data-count"));
      function boxes() { return form.querySelectorAll("input[name=numbers]"); }
      function update() {
        var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
        if (count) { count.textContent = String(n); }
        all.checked = n > 0 && n === boxes().length;
      }
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes(), function (b) { b.checked = all.checked; });
        update();
      });
      if (!form.hasAttribute("data-counting")) {
        form.setAttribute("data-counting", "");
        form.addEventListener("change", function (event) {
          if (event.target.name === "numbers") {
            var box = document.querySelector("input[data-check-all]");
            if (box) { box.dispatchEvent(new Event("recount")); }
          }
        });
      }
      all.addEventListener("recount", update);
      update();
    });
  }
  checkAll();
  document.addEventListener("live:refreshed", checkAll);
}());
