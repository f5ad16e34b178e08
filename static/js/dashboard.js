/* Draws the dashboard's charts from the JSON the server renders next to them (id "dashboard-charts").
 * Every chart has its numbers in a table on the page too; the chart is an addition, not the only copy. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var specs = JSON.parse(source.textContent);
  var palette = {
    brand: "#0b5563",
    ok: "#198754",
    warn: "#e0a800",
    danger: "#b02a37",
    age0: "#8fc9bf",
    age1: "#3f9c8f",
    age2: "#f0c24b",
    age3: "#e07b24",
    age4: "#b02a37"
  };
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "id", { maximumFractionDigits: 1 });
  var Chart = window.Chart;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#495057";
  if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
    Chart.defaults.animation = false;
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec || !spec.labels.length) {
      canvas.parentElement.hidden = true;
      return;
    }
    var opts = spec.options || {};
    var horizontal = !!opts.horizontal;
    var box = canvas.parentElement;
    if (horizontal) {
      // one comfortable row per label, so long lists stay readable
      var bars = spec.datasets.filter(function (d) { return d.type !== "line"; }).length;
      var perRow = opts.stacked ? 30 : 15 * bars + 14;
      var min = parseInt(box.dataset.minHeight || "200", 10);
      box.style.height = Math.max(min, spec.labels.length * perRow + 80) + "px";
    }
    var datasets = spec.datasets.map(function (d, i) {
      var color = palette[d.color || "brand"] || palette.brand;
      var ds = {
        label: d.label,
        data: d.data,
        type: d.type || spec.type,
        backgroundColor: color,
        borderColor: color,
        stack: d.stack || "s" + i,
        order: d.type === "line" ? 0 : 1
      };
      if (horizontal) {
        ds.indexAxis = "y";
      }
      // the legend draws each dataset's point style: boxes for bars, strokes for the limits
      ds.pointStyle = ds.type === "bar" ? "rect" : d.stepped || d.marker ? "line" : "circle";
      if (ds.type === "line") {
        ds.fill = false;
        ds.tension = 0.25;
        ds.pointRadius = 2;
        ds.borderWidth = 2;
      }
      if (d.stepped) {
        ds.stepped = "middle";
        ds.pointRadius = 0;
        ds.borderDash = [6, 4];
      }
      if (d.marker) {
        // the service level: a short stroke across each bar instead of a line between types
        ds.showLine = false;
        ds.pointStyle = "line";
        ds.pointRadius = 11;
        ds.pointHoverRadius = 13;
        ds.borderWidth = 3;
        ds.rotation = horizontal ? 90 : 0;
      }
      if (ds.type === "bar") {
        ds.borderRadius = 3;
        ds.maxBarThickness = horizontal && !opts.stacked ? 14 : 28;
      }
      return ds;
    });
    var valueAxis = horizontal ? "x" : "y";
    var scales = {
      x: { stacked: !!opts.stacked, beginAtZero: true, grid: { display: !horizontal ? false : true } },
      y: { stacked: !!opts.stacked, beginAtZero: true, grid: { display: horizontal ? false : true } }
    };
    scales[valueAxis].ticks = { precision: 0 };
    if (!horizontal) {
      scales.x.ticks = { autoSkip: true, maxRotation: 0 };
    }
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false, axis: horizontal ? "y" : "x" },
        scales: scales,
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              usePointStyle: true,
              pointStyleWidth: 16,
              sort: function (a, b) { return a.datasetIndex - b.datasetIndex; }
            }
          },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed[valueAxis];
                return " " + ctx.dataset.label + ": " + (v === null || v === undefined ? "–" : numbers.format(v));
              }
            }
          }
        }
      }
    });
  });
})();
