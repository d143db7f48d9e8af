/* Window workstation: keyboard shortcuts and the running timers. The page works without it. */
(function () {
  "use strict";

  // The side panel is polled; do not replace it while the clerk is typing a reason there.
  window.owWorkstationCanRefresh = function () {
    var side = document.getElementById("ws-side");
    if (!side) { return true; }
    if (side.querySelector("details[open]")) { return false; }
    return !side.contains(document.activeElement);
  };

  function typing(target) {
    var tag = (target && target.tagName) || "";
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      // Space is the big action only when the focus is not in a field or on another button.
      if (typing(event.target) || (event.target && event.target.closest && event.target.closest("button, a, summary"))) {
        return;
      }
      key = "F1";
    } else if (key !== "F1" && key !== "F2" && key !== "F3") {
      return;
    }
    var button = document.querySelector('#ws-main [data-ow-key="' + key + '"]');
    if (!button) { return; }
    event.preventDefault();
    if (button.disabled) { return; }
    var form = button.form;
    if (form && form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  });

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll("[data-ow-since]").forEach(function (el) {
      var since = parseInt(el.getAttribute("data-ow-since"), 10);
      if (isNaN(since)) { return; }
      var seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
      el.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
    });
  }
  setInterval(tick, 1000);
})();
