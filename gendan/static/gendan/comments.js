// Mentions in a comment box (textarea[data-mentions]): typing "@" and a few letters asks the users look-up
// (`GET <data-mentions>?q=` → [{id, label}]) and offers the people found; choosing one writes "@name"
// (the name without spaces, which the server reads as that person). Without this script "@username"
// typed by hand mentions just the same.
(function () {
  "use strict";
  const WAIT_MS = 200;
  const TOKEN = /(^|[^\w@])@([^\s@]{1,30})$/u;
  let timer = null;
  let asked = 0;

  function menuFor(box) {
    let menu = box.parentNode.querySelector(".mention-menu");
    if (!menu) {
      menu = document.createElement("ul");
      menu.className = "dropdown-menu mention-menu";
      menu.setAttribute("role", "listbox");
      menu.setAttribute("data-testid", "mention-menu");
      box.parentNode.style.position = "relative";
      box.after(menu);
    }
    return menu;
  }

  function close(box) {
    const menu = box.parentNode.querySelector(".mention-menu");
    if (menu) menu.classList.remove("show");
  }

  function choose(box, token, label) {
    const caret = box.selectionStart;
    const before = box.value.slice(0, caret - token.length - 1);
    const inserted = "@" + label.replace(/\s+/g, "") + " ";
    box.value = before + inserted + box.value.slice(caret);
    const at = before.length + inserted.length;
    box.setSelectionRange(at, at);
    close(box);
    box.focus();
  }

  function show(box, token, people) {
    const menu = menuFor(box);
    menu.replaceChildren();
    people.forEach(function (person) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dropdown-item";
      button.setAttribute("role", "option");
      button.textContent = person.label;
      button.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the caret in the box
        choose(box, token, person.label);
      });
      item.append(button);
      menu.append(item);
    });
    menu.classList.toggle("show", people.length > 0);
  }

  document.addEventListener("input", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("textarea[data-mentions]")) return;
    const match = TOKEN.exec(box.value.slice(0, box.selectionStart));
    clearTimeout(timer);
    if (!match) {
      close(box);
      return;
    }
    const token = match[2];
    timer = setTimeout(function () {
      const mine = ++asked;
      fetch(box.dataset.mentions + "?q=" + encodeURIComponent(token), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (people) { if (mine === asked) show(box, token, people); })
        .catch(function () { close(box); });
    }, WAIT_MS);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.matches && event.target.matches("textarea[data-mentions]")) {
      close(event.target);
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-mentions]")) close(event.target);
  });
})();
