// Draws the console's Vega-Lite charts with the vendored vega-embed (no CDN). Each chart's
// spec sits in a <script type="application/json"> next to its <div data-vega-spec="ID">;
// without JavaScript the table beside the chart shows the same numbers.
(function () {
  function draw(root) {
    if (!window.vegaEmbed) return;
    root.querySelectorAll("[data-vega-spec]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-vega-spec"));
      if (!source || el.dataset.drawn) return;
      el.dataset.drawn = "1";
      window.vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
        .catch(function (error) { el.textContent = ""; console.error(error); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
