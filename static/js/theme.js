// Follow the system light/dark setting with Bootstrap's data-bs-theme. Loaded in <head>,
// before the stylesheets, so the page never flashes the wrong theme. No inline script (CSP).
(function () {
  "use strict";
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) {
    query.addEventListener("change", apply);
  }
})();
