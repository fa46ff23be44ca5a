// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // After an htmx swap, move focus to a swapped region that asks for it (data-focus-on-swap),
  // so keyboard and screen-reader users land on the new content.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-focus-on-swap")) {
      if (!target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  });

  // The phone menu: Bootstrap's collapse without Bootstrap's 80 KB bundle (the only Bootstrap
  // JavaScript component the app uses). Toggles `.show` and keeps aria-expanded true.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest('[data-bs-toggle="collapse"]');
    if (!toggle) {
      return;
    }
    var target = document.querySelector(toggle.getAttribute("data-bs-target"));
    if (!target) {
      return;
    }
    var open = target.classList.toggle("show");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.classList.toggle("collapsed", !open);
  });
})();
