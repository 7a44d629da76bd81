// Keyboard shortcuts that work on every page. Loaded as a file: the Content Security Policy forbids
// inline scripts. Buttons carry their own keys as accesskey (Alt+S save, Alt+A add a request, Alt+R read
// back, Alt+N take a request or register the caller); this file adds what accesskey cannot do.
(function () {
  "use strict";
  if (window.oporaKeys) return; // loaded once, whether by the base template or a page
  window.oporaKeys = true;
  function typing(target) {
    return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
  }
  // "/" goes to the search: the page's own search box, else the citizens' search page.
  // (opora.js handles pages that have a box; this covers the pages that do not.)
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("[data-search-box]")) return;
    // The menu's link to the citizens' search is there only for those who may search.
    const link = document.querySelector("[data-search-url]") || document.querySelector("nav a[href$='/people/']");
    if (!link) return;
    event.preventDefault();
    window.location.assign(link.getAttribute("data-search-url") || link.getAttribute("href"));
  });
  // Alt+letter presses the visible button or link with that accesskey. Browsers do it themselves only
  // for the letter as typed, so on a Russian keyboard layout Alt+R would type "к" and do nothing: the
  // physical key (event.code) is what counts here.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^Key[A-Z]$/.test(event.code)) return;
    const letter = event.code.slice(3).toLowerCase();
    const targets = Array.prototype.filter.call(
      document.querySelectorAll("[accesskey]"),
      function (element) {
        return element.getAttribute("accesskey").toLowerCase() === letter && !element.disabled &&
          element.getClientRects().length > 0;
      }
    );
    if (!targets.length) return;
    event.preventDefault();
    targets[0].click();
  });
  // Ctrl+Enter in a form submits it with its first "save" button (the read-back's "Confirmed — save"
  // when it is shown), as accesskey would, without leaving the field being typed in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const form = event.target instanceof Element ? event.target.closest("form") : null;
    if (!form) return;
    const button = form.querySelector("button[accesskey='s']") || form.querySelector("button[accesskey='r']");
    if (!button) return;
    event.preventDefault();
    button.click();
  });
  // Show each button's key in its tooltip, so the keys can be learnt where they are used.
  document.querySelectorAll("[aria-keyshortcuts]").forEach(function (element) {
    if (!element.title) element.title = element.getAttribute("aria-keyshortcuts");
  });
})();
