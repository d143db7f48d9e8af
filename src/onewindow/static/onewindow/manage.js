/* Manager pages: bulk tick helpers for the delegation matrix. The page works without this file. */
(function () {
  "use strict";
  var matrix = document.getElementById("delegation-matrix");
  if (!matrix) { return; }
  matrix.querySelectorAll(".ow-js-only").forEach(function (el) { el.hidden = false; });

  function grants(scope) {
    return Array.prototype.slice.call(scope.querySelectorAll('input[name="grant"]:not(:disabled)'));
  }
  function setAll(boxes, value) { boxes.forEach(function (box) { box.checked = value; }); }

  matrix.querySelectorAll("[data-tick]").forEach(function (button) {
    button.addEventListener("click", function () {
      setAll(grants(matrix), button.getAttribute("data-tick") === "all");
      matrix.querySelectorAll("[data-tick-column], [data-tick-row]").forEach(function (box) {
        box.checked = button.getAttribute("data-tick") === "all";
      });
    });
  });
  matrix.querySelectorAll("[data-tick-column]").forEach(function (header) {
    header.addEventListener("change", function () {
      var power = header.getAttribute("data-tick-column");
      setAll(grants(matrix).filter(function (box) {
        return box.getAttribute("data-power") === power;
      }), header.checked);
    });
  });
  matrix.querySelectorAll("[data-tick-row]").forEach(function (rowBox) {
    rowBox.addEventListener("change", function () {
      setAll(grants(rowBox.closest("tr")), rowBox.checked);
    });
  });
})();
