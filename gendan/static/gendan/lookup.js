// Pickers of one record among many (core.lookups.LookupInput): the page holds the chosen id in a
// plain input[data-lookup]; this puts a search box over it that asks the server as people type
// (`GET <data-lookup>?q=` → [{id, label}]) and writes the chosen id back. Without this script the
// id input works as it is.
(function () {
  "use strict";
  const WAIT_MS = 200;

  function setUp(idInput) {
    idInput.setAttribute("data-lookup-ready", "");
    const box = document.createElement("div");
    box.className = "dropdown lookup";
    const text = document.createElement("input");
    text.type = "search";
    text.className = idInput.className;
    text.placeholder = idInput.dataset.lookupPlaceholder || "";
    text.autocomplete = "off";
    text.setAttribute("role", "combobox");
    text.setAttribute("aria-autocomplete", "list");
    text.setAttribute("aria-expanded", "false");
    // The page's <label for> names the box people type in.
    text.id = idInput.id;
    idInput.id = idInput.id + "_value";
    const menu = document.createElement("ul");
    menu.className = "dropdown-menu w-100 lookup-menu";
    menu.id = text.id + "_matches";
    menu.setAttribute("role", "listbox");
    text.setAttribute("aria-controls", menu.id);
    idInput.parentNode.insertBefore(box, idInput);
    idInput.type = "hidden";
    box.append(text, menu, idInput);

    let chosen = idInput.value ? idInput.dataset.lookupLabel || "#" + idInput.value : "";
    text.value = chosen;
    let timer = null;
    let asked = 0;

    function open(show) {
      menu.classList.toggle("show", show);
      text.setAttribute("aria-expanded", String(show));
    }

    function items() {
      return Array.from(menu.querySelectorAll("[data-id]"));
    }

    function render(matches) {
      menu.replaceChildren();
      if (!matches.length) {
        const none = document.createElement("li");
        none.className = "dropdown-item-text text-muted small";
        none.textContent = idInput.dataset.lookupEmpty || "";
        menu.append(none);
      }
      matches.forEach(function (match) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "dropdown-item";
        button.setAttribute("role", "option");
        button.dataset.id = match.id;
        button.textContent = match.label;
        item.append(button);
        menu.append(item);
      });
      open(true);
    }

    function ask() {
      const mine = ++asked;
      const url = new URL(idInput.dataset.lookup, window.location.href);
      url.searchParams.set("q", text.value.trim());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (matches) {
          // An answer to an older question arriving late is dropped.
          if (mine === asked && document.activeElement === text) render(matches);
        })
        .catch(function () {});
    }

    function choose(button) {
      idInput.value = button ? button.dataset.id : "";
      chosen = button ? button.textContent : "";
      text.value = chosen;
      open(false);
      idInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    text.addEventListener("input", function () {
      clearTimeout(timer);
      // Whatever was asked before this keystroke is out of date.
      asked++;
      if (!text.value.trim() && idInput.value) choose(null);
      timer = setTimeout(ask, WAIT_MS);
    });
    text.addEventListener("focus", function () {
      if (!menu.classList.contains("show")) ask();
    });
    text.addEventListener("blur", function () {
      // Typed text that was never chosen is no filter: the box shows what the field holds.
      open(false);
      text.value = chosen;
    });
    // A click on a match must not blur the box before it counts.
    menu.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    menu.addEventListener("click", function (event) {
      const button = event.target.closest("[data-id]");
      if (button) choose(button);
    });
    text.addEventListener("keydown", function (event) {
      const all = items();
      const current = all.indexOf(menu.querySelector(".active"));
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!menu.classList.contains("show")) return ask();
        event.preventDefault();
        const next = all[(current + (event.key === "ArrowDown" ? 1 : all.length - 1)) % all.length];
        all.forEach(function (one) {
          one.classList.toggle("active", one === next);
          one.setAttribute("aria-selected", String(one === next));
        });
        if (next) next.scrollIntoView({ block: "nearest" });
      } else if (event.key === "Enter" && menu.classList.contains("show") && current >= 0) {
        event.preventDefault();
        choose(all[current]);
      } else if (event.key === "Escape" && menu.classList.contains("show")) {
        event.preventDefault();
        open(false);
      }
    });
  }

  function setUpAll(root) {
    root.querySelectorAll("input[data-lookup]:not([data-lookup-ready])").forEach(setUp);
  }

  setUpAll(document);
  document.addEventListener("htmx:load", function (event) {
    setUpAll(event.target);
  });
})();
