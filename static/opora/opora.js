// Opora's small behaviours. Loaded as a file: the Content Security Policy forbids inline scripts.
(function () {
  "use strict";
  // "/" focuses the search box from anywhere, as in most search-first tools.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
    const box = document.querySelector("[data-search-box]");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });
  // Buttons that ask before doing something irreversible: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
