/* A kanban board (deals by stage, orders by stage): drag a card to another column; the server makes the move
   and redraws the board, a refused move included (the card goes back, with the reason above the board).
   A column with data-prompt asks for a reason first, sent as its data-prompt-field. Without JavaScript
   the record's own page has the same moves. */
(function () {
  "use strict";

  function moveUrl(board, id) {
    // The board's filters (?q=, ?owner=) ride along, so the redrawn board shows the same records.
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
          if (event.from === event.to) {
            return;
          }
          var values = {};
          values[board.dataset.stageField || "move-stage"] = event.to.dataset.stage;
          if (event.to.dataset.prompt) {
            var reason = window.prompt(event.to.dataset.prompt);
            if (!reason) {
              event.from.insertBefore(event.item, event.from.children[event.oldIndex] || null);
              return;
            }
            values[event.to.dataset.promptField] = reason;
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
