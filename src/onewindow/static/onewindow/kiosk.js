// Kiosk behaviour: on-screen keypads, the clock, the idle timer, one-tap submit and printing.
// Everything here is an aid: every form still posts without JavaScript.
(function () {
  "use strict";
  var body = document.body;

  // Keypads write into their input.
  document.querySelectorAll("[data-keypad]").forEach(function (pad) {
    var input = document.getElementById(pad.getAttribute("data-keypad"));
    if (!input) return;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) return;
      var value = key.getAttribute("data-key");
      var max = parseInt(input.getAttribute("maxlength") || "32", 10);
      if (value === "back") input.value = input.value.slice(0, -1);
      else if (value === "clear") input.value = "";
      else if (input.value.length < max) input.value += value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  // A submit button marked data-once disables itself after the first tap (the server's
  // idempotency key makes a second post harmless anyway).
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.hasAttribute("data-once")) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        // Keep the button's name/value in the post, then disable it.
        if (button.name) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = button.name;
          hidden.value = button.value;
          form.appendChild(hidden);
        }
        setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  });

  // The clock in the header.
  var clock = document.querySelector("[data-clock]");
  if (clock) {
    var pad2 = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var d = new Date();
      clock.textContent = d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) +
        " " + pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    };
    tick();
    setInterval(tick, 10000);
  }

  // Idle: back to the start screen (which also leaves the senior mode).
  var startUrl = body.getAttribute("data-start-url");
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  if (startUrl && idleSeconds > 0 && !body.classList.contains("kiosk-start")) {
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = startUrl; }, idleSeconds * 1000);
    };
    ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  } else if (startUrl && idleSeconds > 0 && body.classList.contains("kiosk-elderly")) {
    // The start screen in senior mode returns to the standard mode when nobody uses it.
    var idle;
    var again = function () {
      clearTimeout(idle);
      idle = setTimeout(function () { window.location.href = startUrl; }, idleSeconds * 1000);
    };
    document.addEventListener("pointerdown", again, { passive: true });
    again();
  }

  // The ticket screen: print by itself, then return to the start.
  var issued = document.querySelector("[data-return-seconds]");
  if (issued && startUrl) {
    var seconds = parseInt(issued.getAttribute("data-return-seconds"), 10);
    setTimeout(function () { window.location.href = startUrl; }, seconds * 1000);
  }
  if (document.querySelector("[data-autoprint]")) {
    window.addEventListener("load", function () { window.print(); });
  }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Guide desk: filter a long select by typed text.
  document.querySelectorAll("[data-filter-select]").forEach(function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-select"));
    if (!select) return;
    box.addEventListener("input", function () {
      var q = box.value.trim();
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = q !== "" && option.text.indexOf(q) === -1 && !option.selected;
      });
    });
  });
})();
