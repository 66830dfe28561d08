// Report pages: every <canvas data-chart="{type, data, options}"> becomes a Chart.js chart.
// The figures come from the server in the attribute: no inline scripts (the CSP forbids them).
import Chart from "chart.js/auto";

for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
  const spec = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, { ...spec, options: { responsive: true, ...(spec.options || {}) } });
}
