// The operator's call screen: "add another request" without a round trip to the server.
// Without JavaScript the same button submits the form and the server adds the row.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-add-row]") : null;
    if (!button || !button.form) return;
    const form = button.form;
    const total = form.querySelector("input[name$='-TOTAL_FORMS']");
    const template = document.getElementById("empty-request-row");
    const rows = document.getElementById("request-rows");
    if (!total || !template || !rows) return;
    const index = parseInt(total.value, 10);
    const max = parseInt(form.getAttribute("data-max-rows") || "10", 10);
    if (index >= max) return;
    event.preventDefault();
    const html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const select = rows.lastElementChild ? rows.lastElementChild.querySelector("select") : null;
    if (select) select.focus();
  });
})();
