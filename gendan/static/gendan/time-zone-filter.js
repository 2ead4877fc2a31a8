// The search box above a time-zone select: typing narrows the options to those whose name or
// label contains the words typed ("shang", "UTC+8", "北京"); the first match is chosen.
(function () {
  "use strict";
  if (window.gendanTimeZoneFilter) return; // the widget may appear more than once on a page
  window.gendanTimeZoneFilter = true;

  function normalise(text) {
    return text.toLowerCase().replace(/[_/]/g, " ").replace(/utc\+0?(\d)/g, "utc+0$1");
  }

  function attach(picker) {
    const search = picker.querySelector("[data-time-zone-filter]");
    const select = picker.querySelector("select");
    search.addEventListener("input", () => {
      const words = normalise(search.value).split(/\s+/).filter(Boolean);
      let first = null;
      for (const option of select.options) {
        const text = normalise(`${option.value} ${option.text}`);
        const match = option.value === "" || words.every((word) => text.includes(word));
        option.hidden = !match;
        if (match && option.value && !first) first = option;
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = !Array.from(group.children).some((option) => !option.hidden);
      }
      if (first && words.length) select.value = first.value;
    });
  }

  function attachAll() {
    document.querySelectorAll("[data-time-zone-picker]").forEach(attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else attachAll();
})();
