// The heat map of a process version: each element coloured by its average time (relative to the
// slowest element), with an overlay giving the average, the p90 and how many activations count.
// Data: GET <data-heatmap-url> -> {elements: {id: {count, active, avg_ms, p90_ms}}}.
const LEVELS = 5;
const TYPE = "fd-heat";

export function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

// Element id -> 1..LEVELS by average time (the slowest element is LEVELS).
export function levels(elements) {
  const avgs = Object.values(elements).map((e) => e.avg_ms || 0);
  const top = Math.max(1, ...avgs);
  const out = {};
  Object.entries(elements).forEach(([id, e]) => {
    if (e.avg_ms === null || e.avg_ms === undefined) return;
    out[id] = Math.max(1, Math.ceil((e.avg_ms / top) * LEVELS));
  });
  return out;
}

function badge(stats) {
  const node = document.createElement("div");
  node.className = "fd-heat-badge";
  const active = stats.active ? ` · ${stats.active} waiting` : "";
  node.textContent = `avg ${duration(stats.avg_ms)} · p90 ${duration(stats.p90_ms)}`;
  node.title = `${stats.count} finished${active}`;
  return node;
}

function clear(viewer, container) {
  viewer.get("overlays").remove({ type: TYPE });
  const canvas = viewer.get("canvas");
  viewer.get("elementRegistry").getAll().forEach((el) => {
    for (let n = 1; n <= LEVELS; n += 1) canvas.removeMarker(el.id, `fd-heat-${n}`);
  });
  container.dataset.heatmap = "off";
}

async function draw(viewer, container) {
  const response = await fetch(container.dataset.heatmapUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const { elements } = await response.json();
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  const level = levels(elements);
  Object.entries(elements).forEach(([id, stats]) => {
    if (!registry.get(id)) return;
    if (level[id]) canvas.addMarker(id, `fd-heat-${level[id]}`);
    overlays.add(id, TYPE, { position: { bottom: -6, left: 0 }, html: badge(stats) });
  });
  container.dataset.heatmap = Object.keys(elements).length ? "on" : "empty";
}

// Wire the page's "Heat map" button to the viewer of `container`.
export function heatmapToggle(viewer, container) {
  const button = container.closest(".card")?.querySelector("[data-heatmap-toggle]");
  if (!button || !container.dataset.heatmapUrl) return;
  button.addEventListener("click", () => {
    if (container.dataset.heatmap === "on" || container.dataset.heatmap === "empty") {
      clear(viewer, container);
      button.classList.remove("active");
      return;
    }
    button.classList.add("active");
    draw(viewer, container).catch((err) => {
      container.dataset.heatmap = "failed";
      button.title = `The heat map cannot be shown (${err.message})`;
    });
  });
}
