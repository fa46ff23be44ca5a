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
})();
