// A list's boxes and its action bar (core.tables.SelectColumn): the header's box ticks every row of the
// page, the bar says how many are ticked and its buttons wait for at least one. Without this script the
// boxes still send their ids; the server answers an empty selection with a message.
(function () {
  "use strict";

  function rowBoxes(formId) {
    return Array.from(document.querySelectorAll('input[data-select-row][form="' + formId + '"]'));
  }

  function refresh(formId) {
    const bar = document.getElementById(formId);
    if (!bar) return;
    const boxes = rowBoxes(formId);
    const count = boxes.filter(function (box) { return box.checked; }).length;
    const all = document.querySelector('[data-select-all="' + formId + '"]');
    if (all) {
      all.checked = count > 0 && count === boxes.length;
      all.indeterminate = count > 0 && count < boxes.length;
    }
    const label = bar.querySelector("[data-selection-count]");
    if (label) label.textContent = count ? label.dataset.some.replace("{count}", count) : label.dataset.none;
    bar.querySelectorAll("[data-needs-selection]").forEach(function (button) { button.disabled = count === 0; });
    bar.classList.toggle("has-selection", count > 0);
  }

  document.addEventListener("change", function (event) {
    const all = event.target.closest("[data-select-all]");
    if (all) {
      rowBoxes(all.dataset.selectAll).forEach(function (box) { box.checked = all.checked; });
      refresh(all.dataset.selectAll);
      return;
    }
    const row = event.target.closest("[data-select-row]");
    if (row) refresh(row.getAttribute("form"));
  });

  function refreshAll() {
    document.querySelectorAll("[data-selection-bar]").forEach(function (bar) {
      bar.classList.add("selection-ready");
      // Not bar.id: the form's boxes are named "id", and a form's controls shadow its properties.
      refresh(bar.getAttribute("id"));
    });
  }

  // Loaded with `defer`: the page is parsed. Again when the browser brings the page back from its
  // history with boxes still ticked.
  refreshAll();
  window.addEventListener("pageshow", refreshAll);
})();
