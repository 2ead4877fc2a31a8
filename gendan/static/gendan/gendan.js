// Behaviour every page shares, wired by data attributes: the Content-Security-Policy allows no
// inline scripts or onclick="..." attributes (settings.CONTENT_SECURITY_POLICY).
(function () {
  "use strict";
  const labels = (document.currentScript && document.currentScript.dataset) || {};

  document.addEventListener("change", function (event) {
    const field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.submit();
  });

  // A form that undoes something (deleting a rule) asks first: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const remover = event.target.closest("[data-remove-closest]");
    if (remover) {
      const form = remover.form || remover.closest("form");
      remover.closest(remover.dataset.removeClosest).remove();
      if (remover.dataset.thenTrigger && form && window.htmx) window.htmx.trigger(form, remover.dataset.thenTrigger);
      return;
    }
    const back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
      return;
    }
    const toggle = event.target.closest("[data-fold-toggle]");
    if (toggle) {
      const text = toggle.previousElementSibling;
      const folded = text.classList.toggle("folded");
      toggle.textContent = folded ? labels.more : labels.less;
      toggle.setAttribute("aria-expanded", String(!folded));
    }
  });

  // Long free text (.fold: notes, terms, follow-ups, timeline entries) shows its first lines and
  // a "more" button; short text stays as it is. Measured in the browser, so it folds by the
  // height the text really takes at this width.
  function fold(root) {
    root.querySelectorAll(".fold:not([data-fold-ready])").forEach(function (text) {
      text.setAttribute("data-fold-ready", "");
      text.classList.add("folded");
      const long = text.scrollHeight > text.clientHeight + 8;
      text.classList.remove("folded");
      if (!long) return;
      // The text goes into a body of its own, folded, with the button under it, both inside
      // the element the template marked: a <dd> in a grid row keeps its column.
      const body = document.createElement("div");
      body.className = "fold-body folded";
      while (text.firstChild) body.appendChild(text.firstChild);
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "btn btn-link btn-sm px-0 fold-toggle";
      toggle.setAttribute("data-fold-toggle", "");
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = labels.more;
      text.append(body, toggle);
    });
  }

  // A download prepared by the worker starts by itself when its progress page sees it ready.
  function downloadWhenReady(element) {
    if (element.matches && element.matches("[data-download-when-ready]")) {
      window.location.assign(element.dataset.downloadWhenReady);
    }
  }

  if (window.htmx) {
    window.htmx.onLoad(fold);
    window.htmx.onLoad(downloadWhenReady);
  } else {
    document.addEventListener("DOMContentLoaded", function () { fold(document); });
  }
})();

// A button with data-copy="<selector>" copies that field's text (a link to send on WeChat).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).catch(function () { document.execCommand("copy"); });
  } else {
    document.execCommand("copy");
  }
});

// The top bar's search suggestions (form[data-search-box]) close on Escape or a click elsewhere: they float over
// the page, and a plain form has nothing else to put them away with.
(function () {
  "use strict";
  function close(box) {
    const list = box && box.querySelector("#search-suggestions");
    if (list) list.replaceChildren();
  }
  document.addEventListener("click", function (event) {
    document.querySelectorAll("form[data-search-box]").forEach(function (box) {
      if (!box.contains(event.target)) close(box);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") close(event.target.closest && event.target.closest("form[data-search-box]"));
  });
})();
