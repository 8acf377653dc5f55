// The kiosk's idle timeout (issue 19, finding 7): after config.idle_seconds without a touch or
// a key, whatever is on the screen (a result, a question about a name or a class, digits typed
// into the phone form) goes and the start screen comes back, so the next person at the tablet
// sees nothing of the last one. A page that a form post rendered (no kiosk.js) is replaced by
// the start page itself. The server forgets the question after the same time
// (attendance.kiosk_step): an answer given later records nothing.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("kiosk-config").textContent);
  var idleMs = (config.idle_seconds || 60) * 1000;
  var last = Date.now();

  function touched() { last = Date.now(); }

  function dirty() {
    var result = document.getElementById("result");
    var phone = document.getElementById("phone");
    var typed = Array.prototype.some.call(
      document.querySelectorAll("#phone-form input[type=text], #token"),
      function (input) { return input.value !== ""; }
    );
    return (result && result.textContent.trim() !== "") || (phone && phone.open) || typed;
  }

  function backToStart() {
    if (document.body.hasAttribute("data-posted") && navigator.onLine) {
      window.location.replace(config.kiosk_url);
      return;
    }
    var result = document.getElementById("result");
    var form = document.getElementById("phone-form");
    var phone = document.getElementById("phone");
    var nameField = document.getElementById("name-field");
    if (result) result.textContent = "";
    if (form) {
      form.reset();
      Array.prototype.forEach.call(form.querySelectorAll("input[type=text]"), function (input) {
        input.value = "";  // reset() restores what the server rendered
      });
      var step = form.querySelector("input[name=step]");
      if (step) step.value = "";
    }
    if (nameField) nameField.hidden = true;
    if (phone) phone.open = false;
    var token = document.getElementById("token");
    if (token) { token.value = ""; token.focus(); }
  }

  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touched, true);
  });
  setInterval(function () {
    if (Date.now() - last >= idleMs && dirty()) {
      touched();
      backToStart();
    }
  }, 1000);
})();
