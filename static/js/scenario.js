// Scenario page glue: after htmx swaps in a result, show its findings and deciding statements
// in the editors, announce the outcome, and keep focus somewhere sensible.
// Every feature here is an enhancement: the page works as a plain form without it.
(function () {
  "use strict";

  function status(text) {
    var live = document.getElementById("sim-status");
    if (live) { live.textContent = text; }
  }

  // A swap can replace the button that had focus (Next hint, Insert statement): put focus back
  // on its replacement, else on the swapped region, so keyboard users never land on <body>.
  var lastFocus = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var a = document.activeElement;
    lastFocus = a && a !== document.body ? { id: a.id, name: a.getAttribute("name"), value: a.getAttribute("value") } : null;
  });

  function focusLost() {
    var a = document.activeElement;
    return !a || a === document.body || !document.body.contains(a);
  }

  function restoreFocus(id) {
    if (!focusLost() || !lastFocus) return;
    var el = lastFocus.id ? document.getElementById(lastFocus.id) : null;
    if (!el && lastFocus.name && lastFocus.name !== "fix") {  // after a fix, show what changed
      var sel = '[name="' + CSS.escape(lastFocus.name) + '"]';
      if (lastFocus.value) sel += '[value="' + CSS.escape(lastFocus.value) + '"]';
      el = document.querySelector(sel);
    }
    if (!el && id && id !== "result-panel") {
      el = document.getElementById(id);
      if (el) el.setAttribute("tabindex", "-1");
    }
    if (el) el.focus();
  }

  function onSwap(target) {
    var ed = window.KmsLabEditor;
    if (ed) { ed.init(document); }
    // outerHTML swaps replace the target: compare ids, not elements
    var id = target && target.id;
    restoreFocus(id);
    var panel = document.getElementById("result-panel");
    if (ed && panel && (id === "result-panel" || id === "editors")) {
      ed.applyResult(panel);
    }
    if (panel && id === "result-panel") {
      var say = panel.querySelector("[data-announce]");
      if (say) { status(say.textContent.trim()); }
      var changed = panel.querySelector(".applied-change");
      if (changed && focusLost()) {
        changed.setAttribute("tabindex", "-1");
        changed.focus();
      }
    }
  }

  // Runs are queued, never aborted (hx-sync "queue last": an aborted request is a console error
  // and a failed request in the browser). A run whose documents the learner has changed since it
  // was sent is not shown: the newer run replaces it. Should no newer run start (the learner typed
  // and undid it within the trigger delay), one is started, so the panel always ends up current.
  var lastSend = 0;
  function isRun(detail) {
    var path = detail && detail.requestConfig && detail.requestConfig.path;
    return typeof path === "string" && /\/simulate\/$/.test(path);
  }
  function editorsChangedSince(formData) {
    var boxes = document.querySelectorAll("#editors textarea[name]");
    for (var i = 0; i < boxes.length; i++) {
      var sent = formData.get(boxes[i].name);
      if (sent !== null && sent !== boxes[i].value) return boxes[i];
    }
    return null;
  }
  // A button pressed while a run is in flight (Apply fix, Format, Reset, ...) waits in the queue,
  // and htmx drops a queued request whose element has left the page: swapping that run's panel in
  // would remove the Apply fix button and lose the fix. So while such a press waits, the run's
  // answer is not shown; the button's own answer, which follows, shows the documents it made.
  var pressWaiting = false;
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("button[hx-post]");
    var form = document.getElementById("scenario-form");
    if (button && form && form.contains(button)) pressWaiting = true;
  }, true);
  document.addEventListener("htmx:beforeRequest", function (e) {
    pressWaiting = false;  // the queue holds one request: whatever goes out now ends any wait
    if (isRun(e.detail)) lastSend = Date.now();
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail;
    if (!isRun(d) || !d.requestConfig.formData || d.xhr.status !== 200) return;
    if (pressWaiting) { d.shouldSwap = false; return; }
    var changed = editorsChangedSince(d.requestConfig.formData);
    if (!changed) return;
    d.shouldSwap = false;
    var skippedAt = Date.now();
    window.setTimeout(function () {
      if (lastSend < skippedAt && document.body.contains(changed)) {
        changed.dispatchEvent(new CustomEvent("kl-run", { bubbles: true }));
      }
    }, 400);
  });

  // Download AWS config issues this learner's keys: from now on their CLI calls arrive, so the API
  // calls list is polled every 4 s instead of every 30 s (the server keeps 4 s once the lab exists).
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest && e.target.closest("a[data-cli-config]");
    var calls = document.getElementById("api-calls");
    var fast = calls && calls.getAttribute("data-fast-trigger");  // the template's 4 s trigger
    if (!link || !fast || calls.getAttribute("data-polling") === "fast" || !window.htmx) return;
    calls.setAttribute("hx-trigger", fast);
    calls.setAttribute("data-polling", "fast");
    window.htmx.process(calls);
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    onSwap(e.detail && e.detail.target);
  });
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    onSwap(e.detail && e.detail.target);
  });
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail && e.detail.xhr;
    status("The request failed" + (xhr ? " (HTTP " + xhr.status + ")" : "") + ". Your text is still in the editor; try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    status("The server could not be reached. Your text is still in the editor.");
  });
})();
