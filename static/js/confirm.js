/* Confirmation before an action that is hard to undo (删除, 退单, 办结, 不予延期, 退回重办): a submit
   button or form carrying data-confirm="…" opens the page's <dialog id="confirm-dialog"> with
   that question; 确认 submits the form as the button would have, 取消 leaves everything as it
   was. Without JavaScript (or without <dialog>) the form simply submits. */
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var message = document.getElementById("confirm-message");
  var pending = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter || null;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!question || form.getAttribute("data-confirmed") === "1") { return; }
    event.preventDefault();
    pending = { form: form, button: button };
    message.textContent = question;
    dialog.returnValue = "";
    dialog.showModal();
  }, true);
  dialog.addEventListener("close", function () {
    var chosen = pending;
    pending = null;
    if (!chosen || dialog.returnValue !== "ok") { return; }
    chosen.form.setAttribute("data-confirmed", "1");
    if (typeof chosen.form.requestSubmit === "function") {
      chosen.form.requestSubmit(chosen.button || undefined);
    } else {
      if (chosen.button && chosen.button.name) {  // keep which button it was
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = chosen.button.name;
        hidden.value = chosen.button.value;
        chosen.form.appendChild(hidden);
      }
      chosen.form.submit();
    }
  });
}());
