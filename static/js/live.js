/* Live updates: poll /live (server: hotline/workbench/live.py) and, when something moved, update
   the notice badge and refetch the watched list in place. The browser revalidates the answer
   with its ETag, so an unchanged state is a 304 without a body. Polls pause while the tab is
   hidden. Ticked rows stay ticked when the list is replaced. Without JavaScript the pages are
   as they were: reload to see changes. */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-live-url");
  if (!url || !window.fetch || !window.DOMParser) { return; }
  var every = (parseInt(body.getAttribute("data-live-seconds"), 10) || 15) * 1000;
  var watched = document.querySelector("[data-live]");
  var key = watched ? watched.getAttribute("data-live") : null;
  var seen = null, timer = null, stopped = false, busy = false;

  function badge(n) {
    var link = document.querySelector("a[data-live-badge]");
    if (!link) { return; }
    var span = link.querySelector(".badge");
    if (!n) { if (span) { span.remove(); } return; }
    if (!span) {
      span = document.createElement("span");
      span.className = "badge";
      span.setAttribute("aria-label", link.getAttribute("data-live-badge"));
      link.appendChild(document.createTextNode(" "));
      link.appendChild(span);
    }
    span.textContent = String(n);
  }

  function refresh() {
    return fetch(location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var ticked = Array.prototype.map.call(
          document.querySelectorAll("input[name=numbers]:checked"), function (b) { return b.value; });
        Array.prototype.forEach.call(document.querySelectorAll("[data-live-region]"), function (old) {
          var next = fresh.getElementById(old.id);
          if (next) { old.replaceWith(next); }
        });
        Array.prototype.forEach.call(document.querySelectorAll("input[name=numbers]"), function (b) {
          if (ticked.indexOf(b.value) >= 0) { b.checked = true; }
        });
        var note = document.getElementById("live-note");
        if (note) { note.hidden = false; }
        document.dispatchEvent(new CustomEvent("live:refreshed"));
      });
  }

  function poll() {
    timer = null;
    if (document.hidden || busy) { return; }
    busy = true;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        if (r.redirected) { stopped = true; return null; }  // signed out: the next page says so
        return r.ok ? r.json() : null;
      })
      .then(function (state) {
        if (!state) { return; }
        badge(state.unread);
        if (key && seen && state[key] !== seen[key]) { refresh(); }
        seen = state;
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (!document.hidden && !stopped) { timer = setTimeout(poll, every); }
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null && !stopped) { poll(); }
  });
  poll();
}());
