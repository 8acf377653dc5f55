// The venue map (staff/venues/<id>/locate): a click on the district's map fills in the
// latitude and longitude fields, from the projection the SVG carries (algorithms/svgmap).
(function () {
  "use strict";
  function ready() {
    var figure = document.querySelector("[data-testid=venue-map]");
    if (!figure) return;
    var svg = figure.querySelector("svg[data-projection]");
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    if (!svg || !lat || !lon) return;
    var p = svg.getAttribute("data-projection").split(" ").map(Number);
    var minLon = p[0], maxLat = p[1], kx = p[2], scale = p[3], pad = p[4];
    var marker = null;
    svg.style.cursor = "crosshair";
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      var longitude = minLon + (local.x - pad) / (kx * scale);
      var latitude = maxLat - (local.y - pad) / scale;
      lat.value = latitude.toFixed(6);
      lon.value = longitude.toFixed(6);
      if (!marker) {
        marker = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        marker.setAttribute("r", "7");
        marker.setAttribute("fill", "none");
        marker.setAttribute("stroke", "#b00020");
        marker.setAttribute("stroke-width", "3");
        marker.setAttribute("data-testid", "chosen-point");
        svg.appendChild(marker);
      }
      marker.setAttribute("cx", String(local.x));
      marker.setAttribute("cy", String(local.y));
      lat.focus();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
