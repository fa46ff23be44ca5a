// Exam countdown: display only. The server enforces the time limit from its own clock.
(function () {
  "use strict";
  // After htmx swaps in a new question card, move keyboard and screen-reader focus to it:
  // the feedback when an answer was checked, otherwise the question heading.
  document.body.addEventListener("htmx:afterSettle", function () {
    var card = document.getElementById("question-card");  // the only htmx target on quiz pages
    if (!card) { return; }
    var target = card.querySelector(".quiz-feedback") || document.getElementById("question-heading");
    if (target) { target.setAttribute("tabindex", "-1"); target.focus(); }
  });
  // Multiple response ("Select TWO."): once the number asked for is chosen, the other boxes are
  // disabled until one is unticked, as in the exam. The server refuses any other count anyway.
  document.body.addEventListener("change", function (event) {
    var box = event.target;
    if (!box || box.type !== "checkbox") { return; }
    var set = box.closest(".quiz-multi");
    if (!set) { return; }
    var wanted = parseInt(set.getAttribute("data-select"), 10);
    var boxes = set.querySelectorAll('input[type="checkbox"]');
    var chosen = set.querySelectorAll('input[type="checkbox"]:checked').length;
    var full = chosen >= wanted;
    set.classList.toggle("is-full", full);
    Array.prototype.forEach.call(boxes, function (b) { b.disabled = full && !b.checked; });
    var count = set.querySelector(".quiz-select-count");
    if (count) { count.textContent = chosen + " of " + wanted + " chosen" + (full ? "." : ": choose " + (wanted - chosen) + " more."); }
  });
  var timer = document.getElementById("quiz-timer");
  if (!timer) { return; }
  var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
  var value = timer.querySelector(".quiz-timer-value");
  if (isNaN(left) || !value) { return; }
  var end = Date.now() + left * 1000;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    value.textContent = Math.floor(s / 60) + ":" + pad(s % 60);
    if (s <= 60) { timer.classList.add("is-low"); }
    if (s > 0) { window.setTimeout(tick, 1000); }
  }
  tick();
})();
