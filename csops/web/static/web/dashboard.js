/* Draw the dashboard's Plotly figures and follow a clicked bar or point to the accounts behind it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-figures");
  if (!source || !window.Plotly) { return; }
  var figures = JSON.parse(source.textContent);
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  Object.keys(figures).forEach(function (key) {
    var node = document.querySelector('[data-chart="' + key + '"]');
    if (!node) { return; }
    var figure = figures[key];
    window.Plotly.newPlot(node, figure.data, figure.layout, config).then(function () {
      node.setAttribute("data-ready", "true");
    });
    node.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (point && point.customdata) { window.location.assign(point.customdata); }
    });
  });
}());
