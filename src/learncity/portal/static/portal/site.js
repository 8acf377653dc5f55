// Large-text mode: remembered on this device; the page works without it.
(function () {
  var root = document.documentElement;
  if (localStorage.getItem("learncity-large-text") === "1") root.classList.add("large-text");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-large-text]");
    if (!button) return;
    button.setAttribute("aria-pressed", root.classList.contains("large-text") ? "true" : "false");
    button.addEventListener("click", function () {
      var on = root.classList.toggle("large-text");
      localStorage.setItem("learncity-large-text", on ? "1" : "0");
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  });
})();

// Print buttons (the check-in card, the sign-in sheet): a listener, not an inline handler,
// so that the Content-Security-Policy can forbid inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
