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
