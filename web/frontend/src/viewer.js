// Read-only diagrams (a process version, a running instance): bpmn-js's NavigatedViewer.
// An instance's diagram is coloured by state: the colours go into the XML before import
// (so paths and their arrowheads are coloured), marker classes are added after it.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

import { fitDiagram } from "./fit.js";
import { heatmapToggle } from "./heatmap.js";

import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./viewer.css";

const BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI";
const BIOC = "http://bpmn.io/schema/bpmn/biocolor/1.0";
const COLOR = "http://www.omg.org/spec/BPMN/non-normative/color/1.0";

// state -> [stroke, fill]
const PALETTE = {
  completed: ["#1f8f4e", "#e3f5ea"],
  current: ["#2f6bff", "#dfe8ff"],
  error: ["#d63a2f", "#fde4e1"],
  cancelled: ["#8a93a6", "#eef0f4"],
};
const CURRENT = new Set(["ready", "started", "waiting"]);

function stateClass(state) {
  if (state === "completed") return "completed";
  if (state === "error") return "error";
  if (state === "cancelled") return "cancelled";
  return CURRENT.has(state) ? "current" : null;
}

// Element id -> completed|current|error|cancelled, including the sequence flows taken.
export function elementStates(doc, info) {
  const states = {};
  Object.entries(info.task_states || {}).forEach(([id, state]) => {
    const cls = stateClass(state);
    if (cls) states[id] = cls;
  });
  if (info.error_element) states[info.error_element] = "error";
  const reached = (id) => ["completed", "current", "error"].includes(states[id]);
  for (const flow of doc.getElementsByTagNameNS(BPMN, "sequenceFlow")) {
    const source = flow.getAttribute("sourceRef");
    const target = flow.getAttribute("targetRef");
    if (states[source] === "completed" && reached(target)) states[flow.getAttribute("id")] = "completed";
  }
  return states;
}

function paint(doc, states) {
  const di = [...doc.getElementsByTagNameNS(BPMNDI, "BPMNShape"), ...doc.getElementsByTagNameNS(BPMNDI, "BPMNEdge")];
  for (const node of di) {
    const cls = states[node.getAttribute("bpmnElement")];
    if (!cls) continue;
    const [stroke, fill] = PALETTE[cls];
    node.setAttributeNS(BIOC, "bioc:stroke", stroke);
    node.setAttributeNS(COLOR, "color:border-color", stroke);
    if (node.localName === "BPMNShape") {
      node.setAttributeNS(BIOC, "bioc:fill", fill);
      node.setAttributeNS(COLOR, "color:background-color", fill);
    }
  }
}

function colour(xml, info) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return { xml, states: {} };
  const states = elementStates(doc, info);
  paint(doc, states);
  return { xml: new XMLSerializer().serializeToString(doc), states };
}

function fit(canvas) {
  fitDiagram(canvas, { left: 30, right: 30, top: 30, bottom: 30 });
}

async function show(container) {
  const response = await fetch(container.dataset.bpmnUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const stateNode = container.dataset.states ? document.getElementById(container.dataset.states) : null;
  const info = stateNode ? JSON.parse(stateNode.textContent) : {};
  const { xml, states } = colour(await response.text(), info);
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(xml);
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  Object.entries(states).forEach(([id, cls]) => {
    if (registry.get(id)) canvas.addMarker(id, `fd-${cls}`);
  });
  fit(canvas);
  container.dataset.state = "ready";
  container.fdViewer = viewer;
  const zoom = container.parentElement.querySelector("[data-diagram-fit]");
  if (zoom) zoom.addEventListener("click", () => fit(canvas));
  heatmapToggle(viewer, container);
}

document.querySelectorAll("[data-bpmn-url]").forEach((container) => {
  show(container).catch((err) => {
    container.dataset.state = "failed";
    container.innerHTML = `<div class="fd-diagram-failed"><i class="bi bi-exclamation-triangle"></i>`
      + `The diagram cannot be shown (${err.message}). It may have no layout (BPMN DI).</div>`;
  });
});
