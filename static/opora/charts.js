// Draws the dashboard's charts with the vendored Chart.js (static/vendor/chartjs/): every
// <canvas data-chart="ID"> gets a stacked bar chart of the JSON in <script id="ID"> (json_script).
// No inline scripts: the page's Content-Security-Policy allows only our own files.
(function () {
  "use strict";
  var COLOURS = {
    new: "#1e88e5", accepted: "#00acc1", assigned: "#8e24aa", in_progress: "#fdd835",
    returned: "#fb8c00", done: "#43a047", failed: "#e53935", cancelled: "#9e9e9e",
  };

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var datasets = data.datasets.map(function (d) {
      return { label: d.label, data: d.data, backgroundColor: COLOURS[d.status] || "#607d8b" };
    });
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        aspectRatio: 3,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    canvas.dataset.drawn = "true";
  }

  function init() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
