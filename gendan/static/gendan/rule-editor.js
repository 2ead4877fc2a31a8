// The rule editor: the events, dates, fields and stages offered follow the chosen record type
// (from the JSON map the page embeds); a condition's value is picked the way its field needs
// (a choice by its label, a person by name, a date); what does not apply to the trigger or the
// action is hidden. The inputs the form posts stay the same, so the page works without this too.
(function () {
  "use strict";
  const form = document.querySelector("[data-testid=rule-form]");
  const mapNode = document.getElementById("rule-editor-map");
  if (!form || !mapNode) return;
  const map = JSON.parse(mapNode.textContent);
  const recordType = form.querySelector("[data-rule-record-type]");
  const trigger = form.querySelector("select[name=trigger]");
  const LIST_OPS = ["in", "not_in"];
  const NO_VALUE_OPS = ["is_empty", "is_not_empty"];
  // The operators that make sense for each kind of field (the server refuses the others too).
  const SAME = ["eq", "ne", "in", "not_in", ...NO_VALUE_OPS];
  const ORDERED = [...SAME, "gt", "gte", "lt", "lte"];
  const OPS_BY_KIND = { text: [...SAME, "contains"], number: ORDERED, date: ORDERED, datetime: ORDERED };

  function current() {
    return map.types[recordType.value] || { events: [], dates: [], fields: [], stages: [] };
  }

  function fill(select, pairs, chosen) {
    select.replaceChildren();
    if (!select.multiple) select.add(new Option("—", ""));
    const known = new Set(pairs.map(([value]) => String(value)));
    for (const value of chosen) {
      if (value && !known.has(value)) pairs = [...pairs, [value, value]];
    }
    for (const [value, label] of pairs) {
      select.add(new Option(label, value, false, chosen.has(String(value))));
    }
  }

  function selected(select) {
    return new Set(Array.from(select.selectedOptions, (option) => option.value));
  }

  function refill() {
    const lists = current();
    for (const select of form.querySelectorAll("[data-rule-list]")) {
      const name = select.dataset.ruleList;
      const pairs = name === "fields" ? lists.fields.map((f) => [f.value, f.label]) : lists[name];
      // A field of another record type means nothing here: start from no choice.
      fill(select, pairs, new Set());
    }
    form.querySelectorAll("[data-rule-condition]").forEach(valueControl);
  }

  function valueControl(row) {
    const field = row.querySelector("[data-rule-list=fields]");
    const op = row.querySelector("select[name$='-op']");
    const input = row.querySelector("[data-rule-value]");
    const label = row.querySelector(`label[for='${input.id}']`);
    const spec = current().fields.find((f) => f.value === field.value);
    const kind = spec ? spec.kind : "text";
    const options = { choice: spec && spec.choices, user: map.people, bool: map.yes_no }[kind];
    const allowed = OPS_BY_KIND[kind] || SAME;
    for (const option of op.options) {
      option.hidden = option.disabled = option.value !== "" && !allowed.includes(option.value);
    }
    if (op.value && !allowed.includes(op.value)) op.value = "";
    // "Separate them with commas" is for typing; a picker needs no such advice.
    const help = input.parentElement.querySelector(".form-text");
    let picker = row.querySelector("[data-rule-value-picker]");
    input.type = kind === "date" && !LIST_OPS.includes(op.value) ? "date" : "text";
    if (help) help.hidden = Boolean(options);
    if (!options) {
      if (picker) picker.hidden = true;
      input.hidden = false;
      if (label) label.htmlFor = input.id;
      return;
    }
    if (!picker) {
      picker = document.createElement("select");
      picker.className = "form-select";
      picker.id = `${input.id}-picker`;
      picker.dataset.ruleValuePicker = "";
      picker.addEventListener("change", () => {
        input.value = Array.from(picker.selectedOptions, (option) => option.value).join(", ");
      });
      input.after(picker);
    }
    picker.multiple = LIST_OPS.includes(op.value);
    picker.disabled = NO_VALUE_OPS.includes(op.value);
    fill(picker, options, new Set(input.value.split(",").map((v) => v.trim()).filter(Boolean)));
    input.value = Array.from(picker.selectedOptions, (option) => option.value).join(", ");
    input.hidden = true;
    picker.hidden = false;
    if (label) label.htmlFor = picker.id;
  }

  function showForTrigger() {
    for (const element of form.querySelectorAll("[data-show-for-trigger]")) {
      element.hidden = !element.dataset.showForTrigger.split(" ").includes(trigger.value);
    }
  }

  function showForAction(row) {
    const type = row.querySelector("[data-rule-action]").value;
    for (const element of row.querySelectorAll("[data-show-for-action]")) {
      element.hidden = !element.dataset.showForAction.split(" ").includes(type);
    }
  }

  recordType.addEventListener("change", refill);
  trigger.addEventListener("change", showForTrigger);
  for (const row of form.querySelectorAll("[data-rule-condition]")) {
    row.querySelector("[data-rule-list=fields]").addEventListener("change", () => {
      row.querySelector("[data-rule-value]").value = "";
      valueControl(row);
    });
    row.querySelector("select[name$='-op']").addEventListener("change", () => valueControl(row));
    valueControl(row);
  }
  for (const row of form.querySelectorAll("[data-rule-action-row]")) {
    row.querySelector("[data-rule-action]").addEventListener("change", () => showForAction(row));
    showForAction(row);
  }
  showForTrigger();
})();
