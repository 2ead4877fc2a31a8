/* The opportunity kanban: drag a card to another stage; the server moves the deal and redraws the board.
   A deal dropped on "lost" asks for the reason first. Without JavaScript the deal's own page has "Move to". */
(function () {
  "use strict";

  function moveUrl(board, id) {
    // The board's filters (?q=, ?owner=) ride along, so the redrawn board shows the same deals.
    return board.dataset.moveUrl.replace("/0/", "/" + id + "/") + window.location.search;
  }

  function setUp() {
    var board = document.getElementById("board");
    if (!board || typeof Sortable === "undefined" || board.dataset.canMove !== "true") {
      return;
    }
    board.querySelectorAll(".kanban-cards:not([data-sortable])").forEach(function (list) {
      list.dataset.sortable = "on";
      Sortable.create(list, {
        group: "stages",
        animation: 150,
        filter: "[data-locked]",
        draggable: ".kanban-card",
        delay: 150,
        delayOnTouchOnly: true,
        onMove: function (event) {
          return !event.related || !event.related.dataset.locked;
        },
        onEnd: function (event) {
          var stage = event.to.dataset.stage;
          if (event.from === event.to) {
            return;
          }
          var values = { "move-stage": stage };
          if (stage === "lost") {
            var reason = window.prompt(board.dataset.lostPrompt);
            if (!reason) {
              event.from.insertBefore(event.item, event.from.children[event.oldIndex] || null);
              return;
            }
            values["move-lost_reason"] = reason;
          }
          htmx.ajax("POST", moveUrl(board, event.item.dataset.id), {
            target: "#board",
            swap: "outerHTML",
            values: values,
          });
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
  // The board is redrawn after every move: set up its new lists (those already set up are skipped).
  document.addEventListener("htmx:afterSettle", setUp);
})();
