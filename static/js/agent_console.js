/* Agent console: live caller history, suggestions, similar tickets and knowledge-base answers.
 * Plain JavaScript, no libraries; the page works without it as an ordinary form. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var form = document.getElementById("call-form");
  var text = JSON.parse(document.getElementById("console-text").textContent);
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var $ = function (id) { return document.getElementById(id); };
  var phone = $("phone"), content = $("content"), address = $("address"), line = $("line");
  var unit = $("unit"), answer = $("answer"), useSuggestion = $("use-suggestion");
  var suggestedUnit = null;
  var requestType = $("request_type"), typeChosen = false;  // the agent's own choice wins
  var typeDefault = requestType.value, typeSet = false;  // whether the suggestion set it
  requestType.addEventListener("change", function () { typeChosen = true; });

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  /* Only the latest answer of each kind is shown: an older, slower response never wins. */
  var latest = {};
  function fetchJson(kind, url, options) {
    var ticket = (latest[kind] || 0) + 1;
    latest[kind] = ticket;
    var opts = options || {};
    opts.headers = Object.assign({"Accept": "application/json"}, opts.headers || {});
    opts.credentials = "same-origin";
    return fetch(url, opts).then(function (response) {
      return response.json().then(function (body) {
        if (latest[kind] !== ticket) { throw new Error("stale"); }
        return {ok: response.ok, body: body};
      });
    });
  }

  function pct(value) { return Math.round(value * 100) + "%"; }

  function fill(template, setup) {
    var node = $(template).content.firstElementChild.cloneNode(true);
    setup(node);
    return node;
  }

  function ticketItem(t, why, linkable) {
    return fill("t-ticket", function (li) {
      var a = li.querySelector(".number");
      a.textContent = t.number;
      a.href = t.url;
      a.target = "_blank";
      li.querySelector(".status").textContent = t.status_label;
      li.querySelector(".status").className = "status s-" + t.status;
      li.querySelector(".why").textContent = why;
      li.querySelector(".excerpt").textContent = t.content;
      if (linkable) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button secondary small link-repeat";
        button.textContent = text.link;
        button.addEventListener("click", function () { chooseRepeat(t.number); });
        li.appendChild(button);
      }
    });
  }

  /* --- caller history, as the number is typed ------------------------------------------ */
  var loadHistory = debounce(function () {
    var value = phone.value.trim();
    var list = $("history"), status = $("history-status");
    if (value.replace(/\D/g, "").length < 7) { list.replaceChildren(); return; }
    fetchJson("history", root.dataset.callersUrl + "?phone=" + encodeURIComponent(value))
      .then(function (r) {
        if (!r.ok) {
          status.textContent = text.bad_phone;
          list.replaceChildren();
          return;
        }
        var tickets = r.body.tickets;
        status.textContent = tickets.length ? text.history_count.replace("{n}", tickets.length)
                                            : text.no_history;
        list.replaceChildren.apply(list, tickets.map(function (t) {
          return ticketItem(t, t.created_at + (t.unit ? " · " + t.unit : ""), false);
        }));
        loadSuggestion();
      }).catch(function () {});
  }, 250);

  /* --- suggestion and similar open tickets, as the content is typed ---------------------- */
  function showSuggestion(s, ms) {
    $("suggestion").hidden = false;
    var topic = s.topic;
    // 城乡建设 91% · 低于自动派单阈值 95%，需人工确认: why a person is asked
    $("s-topic").textContent = topic
      ? topic.name + " " + pct(topic.confidence) + " · "
        + String(topic.confident ? text.at_threshold : text.below_threshold)
          .replace("{t}", pct(topic.threshold || 0))
      : text.no_model;
    var u = s.unit;
    suggestedUnit = u && u.code;
    $("s-unit").textContent = suggestedUnit
      ? u.name + " · " + u.by_label + (u.confidence !== null ? " · " + text.confidence + " " + pct(u.confidence) : "")
      : text.no_unit;
    useSuggestion.disabled = !suggestedUnit;
    $("suggested_unit").value = suggestedUnit || "";
    $("s-urgency").textContent = (s.urgency.urgent ? text.urgent : text.normal)
      + (s.urgency.rule ? " · " + text.rule + "：" + s.urgency.rule : "");
    $("s-urgency").className = s.urgency.urgent ? "red-text" : "";
    $("s-place").textContent = s.place.name || text.unknown_place;
    showRequestType(s.request_type);
    showRisk(s.risk);
    showRiskHint(s.risk_hint);
    $("suggest-status").textContent = text.server_ms + " " + ms + " ms";
    if (suggestedUnit && !unit.value) { unit.value = suggestedUnit; }
  }

  /* A caller in danger (the risk rules, hotline.console.service._risk): shown above all else. */
  function showRisk(r) {
    $("s-risk").hidden = !r;
    if (!r) { return; }
    $("s-risk").className = "risk-alert " + r.level;
    $("s-risk-what").textContent = (text.risk_levels[r.level] || r.level) + " · "
      + (text.risk_categories[r.category] || r.category);
    $("s-risk-why").textContent = text.risk_by + "：“" + r.phrase + "”（" + r.rule + "）";
  }

  /* 可能有风险: the risk model's hint where no rule matched, with the nearest risky note. */
  function showRiskHint(h) {
    $("s-risk-hint").hidden = !h;
    if (!h) { return; }
    $("s-risk-hint-what").textContent = text.risk_categories[h.category] || h.category;
    $("s-risk-hint-near").textContent = h.nearest;
  }

  /* The request type the cue words suggest, how sure, and which words. A confident guess is
   * set unless the agent chose; an unsure one is only a hint, and takes back a value an
   * earlier confident guess set (as the topic's 需人工确认 asks the agent to decide). */
  function showRequestType(t) {
    if (!t) { return; }
    if (!typeChosen && t.confident) {
      requestType.value = t.code;
      typeSet = true;
    } else if (!typeChosen && typeSet) {
      requestType.value = typeDefault;
      typeSet = false;
    }
    var option = requestType.querySelector("option[value='" + t.code + "']");
    var name = option ? option.textContent : t.label;
    var shown = $("s-type");
    // 咨询 92% · 已预选 · 依据：请问 / 投诉 72% · 未预选，请确认: at a glance
    shown.textContent = name + " " + pct(t.confidence) + " · "
      + (t.confident ? text.type_set : text.type_hint)
      + (t.cues.length ? " · " + text.type_by + "：" + t.cues.join("、") : "")
      + (typeChosen && requestType.value !== t.code ? " · " + text.type_kept : "");
    shown.className = t.confident ? "" : "hint";
  }

  /* 合并办理: an open incident this call may be one more report of, and a way to attach it. */
  var incident = null;
  function showIncident(found) {
    incident = found;
    $("s-incident").hidden = !found;
    if (!found) { return; }
    $("s-incident-text").textContent = found.text;
    $("s-incident-state").textContent = found.state;
    $("s-incident-excerpt").textContent = found.content;
    $("s-incident-link").href = found.url;
  }
  function chooseIncident(number) {
    $("incident_master").value = number;
    $("incident-number").textContent = number;
    $("incident-note").hidden = false;
  }
  $("s-incident-attach").addEventListener("click", function () {
    if (incident) { chooseIncident(incident.master); }
  });
  $("incident-clear").addEventListener("click", function () {
    $("incident_master").value = "";
    $("incident-note").hidden = true;
  });
  if ($("incident_master").value) { chooseIncident($("incident_master").value); }

  function showSimilar(items) {
    var list = $("similar");
    $("similar-status").textContent = items.length ? "" : text.none_similar;
    list.replaceChildren.apply(list, items.map(function (t) {
      var why = [text.similarity + " " + pct(t.similarity)];
      if (t.same_caller) { why.push(text.same_caller); }
      if (t.same_place) { why.push(text.same_place); }
      return ticketItem(t, why.join(" · "), true);
    }));
  }

  var loadSuggestion = debounce(function () {
    if (content.value.trim().length < 4) { return; }
    var started = performance.now();
    $("suggest-status").textContent = text.loading;
    fetchJson("suggest", root.dataset.suggestUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({text: content.value, address: address.value, line: line.value,
                            phone: phone.value})
    }).then(function (r) {
      if (!r.ok) { $("suggest-status").textContent = r.body.error.message; return; }
      showSuggestion(r.body, Math.round(performance.now() - started));
      showSimilar(r.body.similar);
      showIncident(r.body.incident);
    }).catch(function (e) {
      if (e.message !== "stale") { $("suggest-status").textContent = text.failed; }
    });
  }, 300);

  /* --- outcome ------------------------------------------------------------------------- */
  function outcome() {
    var checked = form.querySelector("input[name=outcome]:checked");
    return checked ? checked.value : "manual";
  }
  function showOutcome() {
    form.querySelectorAll(".when").forEach(function (el) {
      el.hidden = !el.classList.contains("when-" + outcome());
    });
  }
  function setOutcome(value) {
    form.querySelector("input[name=outcome][value=" + value + "]").checked = true;
    showOutcome();
  }

  function chooseRepeat(number) {
    $("repeat_of").value = number;
    $("repeat-number").textContent = number;
    $("repeat-note").hidden = false;
  }
  $("repeat-clear").addEventListener("click", function () {
    $("repeat_of").value = "";
    $("repeat-note").hidden = true;
  });
  if ($("repeat_of").value) { chooseRepeat($("repeat_of").value); }

  useSuggestion.addEventListener("click", function () {
    if (!suggestedUnit) { return; }
    setOutcome("dispatch");
    unit.value = suggestedUnit;
    unit.focus();
  });

  /* --- knowledge base ------------------------------------------------------------------ */
  function searchKnowledge(event) {
    if (event) { event.preventDefault(); }
    var q = $("kb-q").value.trim();
    var list = $("kb-results");
    if (!q) { list.replaceChildren(); $("kb-status").textContent = ""; return; }
    fetchJson("kb", root.dataset.knowledgeUrl + "?q=" + encodeURIComponent(q)).then(function (r) {
      if (!r.ok) { $("kb-status").textContent = r.body.error.message; return; }
      var articles = r.body.articles;
      list.dataset.q = q;
      $("kb-status").textContent = articles.length ? "" : text.no_articles;
      list.replaceChildren.apply(list, articles.map(function (a) {
        return fill("t-article", function (li) {
          li.querySelector(".title").textContent = a.title;
          li.querySelector(".topic").textContent = a.topic || "";
          li.querySelector(".excerpt").textContent = a.body;
          li.querySelector(".insert").addEventListener("click", function () {
            answer.value = a.body;
            $("article_id").value = a.id;
            setOutcome("direct");
            $("kb-status").textContent = text.inserted;
            answer.focus();
          });
        });
      }));
    }).catch(function () {});
  }
  $("kb-form").addEventListener("submit", searchKnowledge);
  $("kb-q").addEventListener("input", debounce(searchKnowledge, 300));

  /* --- wiring -------------------------------------------------------------------------- */
  phone.addEventListener("input", loadHistory);
  [content, address, line].forEach(function (el) { el.addEventListener("input", loadSuggestion); });
  line.addEventListener("change", loadSuggestion);
  form.querySelectorAll("input[name=outcome]").forEach(function (el) {
    el.addEventListener("change", showOutcome);
  });
  /* Alt+letter moves to the element marked data-key (listed on screen); a button is pressed.
   * Handled here rather than with accesskey, whose modifier differs between browsers. */
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey || !event.code.startsWith("Key")) { return; }
    var target = root.querySelector("[data-key=" + event.code.slice(3).toLowerCase() + "]");
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "BUTTON") { target.click(); } else { target.focus(); }
  });
  showOutcome();
  if (phone.value) { loadHistory(); }
  if (content.value) { loadSuggestion(); }
}());
