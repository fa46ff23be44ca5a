// KMS Lab code editor: a transparent <textarea> (still the real form field) over a highlighted
// <pre>, with a line-number gutter, finding markers and highlighted statement lines.
// No dependencies. Without this file the plain textarea works as-is.
(function () {
  "use strict";

  var TAB = "  ";

  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // JSON tokens: strings (keys are strings followed by a colon), numbers, literals, punctuation.
  var TOKEN = /("(?:[^"\\\n]|\\.)*"?)(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}\[\],])/g;

  function highlightLine(line) {
    var out = "";
    var last = 0;
    TOKEN.lastIndex = 0;
    var m;
    while ((m = TOKEN.exec(line)) !== null) {
      if (m[0] === "") { TOKEN.lastIndex++; continue; }
      out += escapeHtml(line.slice(last, m.index));
      if (m[1] !== undefined) {
        var cls = m[2] !== undefined ? "tk-key" : "tk-str";
        out += '<span class="' + cls + '">' + escapeHtml(m[1]) + "</span>";
        if (m[2] !== undefined) out += escapeHtml(m[2]);
      } else if (m[3] !== undefined) {
        out += '<span class="tk-num">' + m[3] + "</span>";
      } else if (m[4] !== undefined) {
        out += '<span class="tk-lit">' + m[4] + "</span>";
      } else {
        out += '<span class="tk-punc">' + escapeHtml(m[5]) + "</span>";
      }
      last = TOKEN.lastIndex;
    }
    return out + escapeHtml(line.slice(last));
  }

  function Editor(root) {
    this.root = root;
    this.doc = root.getAttribute("data-doc");
    this.input = root.querySelector("textarea");
    this.findings = {}; // line -> [{severity, message}]
    this.marks = {}; // line -> "allow" | "deny"
    this.escaped = false;
    this.build();
  }

  Editor.prototype.build = function () {
    var self = this;
    var gutter = document.createElement("div");
    gutter.className = "ce-gutter";
    gutter.setAttribute("aria-hidden", "true");
    var pre = document.createElement("pre");
    pre.className = "ce-highlight";
    pre.setAttribute("aria-hidden", "true");
    var code = document.createElement("code");
    pre.appendChild(code);
    var body = document.createElement("div");
    body.className = "ce-body";
    this.input.parentNode.insertBefore(body, this.input);
    body.appendChild(pre);
    body.appendChild(this.input);
    this.root.insertBefore(gutter, body);
    this.gutter = gutter;
    this.pre = pre;
    this.code = code;
    this.root.classList.add("ce-ready");

    this.input.addEventListener("input", function () { self.render(); });
    this.input.addEventListener("scroll", function () { self.sync(); });
    this.input.addEventListener("keydown", function (e) { self.onKey(e); });
    this.input.addEventListener("blur", function () { self.escaped = false; });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { self.layout(); self.sync(); }).observe(this.input);
    }
    this.render();
  };

  Editor.prototype.onKey = function (e) {
    if (e.key === "Escape") {
      // Esc, then Tab, leaves the editor (keyboard users must never be trapped).
      this.escaped = true;
      return;
    }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.input.dispatchEvent(new CustomEvent("kl-run", { bubbles: true }));
      return;
    }
    if (e.key === "Tab" && !this.escaped && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      if (e.shiftKey) { this.outdent(); } else { this.insert(TAB); }
      return;
    }
    if (e.key !== "Shift") { this.escaped = false; }
  };

  Editor.prototype.insert = function (text) {
    var el = this.input;
    // execCommand keeps the browser's undo stack and fires "input"; fall back to setRangeText.
    var ok = false;
    try { ok = document.execCommand && document.execCommand("insertText", false, text); } catch (err) { ok = false; }
    if (!ok) {
      el.setRangeText(text, el.selectionStart, el.selectionEnd, "end");
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };

  Editor.prototype.outdent = function () {
    var el = this.input;
    var start = el.value.lastIndexOf("\n", el.selectionStart - 1) + 1;
    if (el.value.slice(start, start + TAB.length) === TAB) {
      var caret = el.selectionStart;
      el.setSelectionRange(start, start + TAB.length);
      this.insert("");
      el.setSelectionRange(Math.max(start, caret - TAB.length), Math.max(start, caret - TAB.length));
    }
  };

  Editor.prototype.render = function () {
    var lines = this.input.value.split("\n");
    var html = [];
    var nums = [];
    for (var i = 0; i < lines.length; i++) {
      var n = i + 1;
      var cls = "ce-line";
      if (this.marks[n]) cls += " ce-mark-" + this.marks[n];
      html.push('<span class="' + cls + '">' + (highlightLine(lines[i]) || " ") + "</span>");
      var f = this.findings[n];
      var g = '<span class="ce-num';
      if (f) {
        var worst = f[0].severity === "error" ? "error" : "warning";
        g += " ce-finding ce-finding-" + worst + '" title="' + escapeHtml(f.map(function (x) { return x.message; }).join("\n")).replace(/"/g, "&quot;");
      }
      g += '">' + (f ? '<span class="ce-dot">●</span>' : "") + n + "</span>";
      nums.push(g);
    }
    this.code.innerHTML = html.join("") + '<span class="ce-line"> </span>';
    this.gutter.innerHTML = nums.join("");
    this.layout();
    this.sync();
  };

  // Long lines wrap (a key policy's Principal line must not be cut off): the highlighted copy
  // wraps at the textarea's own text width (without its scrollbar), and each line number is as
  // tall as its line, so numbers, marks and text stay side by side.
  Editor.prototype.layout = function () {
    var bar = this.input.offsetWidth - this.input.clientWidth;
    this.pre.style.right = bar > 0 ? bar + "px" : "";
    var lines = this.code.children, nums = this.gutter.children;
    for (var i = 0; i < nums.length && i < lines.length; i++) {
      var h = lines[i].offsetHeight;
      nums[i].style.height = h ? h + "px" : "";
    }
  };

  Editor.prototype.sync = function () {
    this.pre.scrollTop = this.input.scrollTop;
    this.pre.scrollLeft = this.input.scrollLeft;
    this.gutter.scrollTop = this.input.scrollTop;
  };

  Editor.prototype.setFindings = function (list) {
    this.findings = {};
    for (var i = 0; i < list.length; i++) {
      var line = list[i].line || 1;
      (this.findings[line] = this.findings[line] || []).push(list[i]);
    }
    this.root.classList.toggle("ce-has-errors", list.some(function (f) { return f.severity === "error"; }));
    this.render();
  };

  Editor.prototype.setMarks = function (ranges) {
    this.marks = {};
    for (var i = 0; i < ranges.length; i++) {
      for (var n = ranges[i].start; n <= ranges[i].end && n - ranges[i].start < 500; n++) {
        this.marks[n] = ranges[i].effect === "Deny" ? "deny" : "allow";
      }
    }
    this.render();
  };

  var editors = {};

  function init(scope) {
    var roots = (scope || document).querySelectorAll(".code-editor:not(.ce-ready)");
    for (var i = 0; i < roots.length; i++) {
      var ed = new Editor(roots[i]);
      editors[ed.doc] = ed;
    }
  }

  // Read the markers the result panel carries (data attributes) and show them in the editors.
  function applyResult(panel) {
    if (!panel) return;
    var findings = {};
    var marks = {};
    var i;
    var fs = panel.querySelectorAll("[data-finding-doc]");
    for (i = 0; i < fs.length; i++) {
      var d = fs[i].getAttribute("data-finding-doc");
      (findings[d] = findings[d] || []).push({
        line: parseInt(fs[i].getAttribute("data-line"), 10) || 1,
        severity: fs[i].getAttribute("data-severity"),
        message: fs[i].getAttribute("data-message") || ""
      });
    }
    var ms = panel.querySelectorAll("[data-mark-doc]");
    for (i = 0; i < ms.length; i++) {
      var m = ms[i].getAttribute("data-mark-doc");
      (marks[m] = marks[m] || []).push({
        start: parseInt(ms[i].getAttribute("data-line-start"), 10) || 0,
        end: parseInt(ms[i].getAttribute("data-line-end"), 10) || 0,
        effect: ms[i].getAttribute("data-effect")
      });
    }
    Object.keys(editors).forEach(function (name) {
      var ed = editors[name];
      if (!document.body.contains(ed.root)) { delete editors[name]; return; }
      ed.findings = {};
      ed.marks = {};
      ed.setFindings(findings[name] || []);
      ed.setMarks(marks[name] || []);
    });
  }

  window.KmsLabEditor = { init: init, applyResult: applyResult, editors: editors, highlightLine: highlightLine };

  function start() {
    document.documentElement.classList.add("kl-js");
    init(document);
    applyResult(document.getElementById("result-panel"));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
