// The designer's problem list: server validation errors as markers and overlays on the
// elements they name, and as a clickable list beside the canvas.

export function newDiagram() {
  const suffix = Math.random().toString(36).slice(2, 8);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_${suffix}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_${suffix}" name="New process" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_${suffix}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

const MARKER = "fd-invalid";
let marked = [];

export function clearProblems(modeler) {
  const canvas = modeler.get("canvas");
  marked.forEach((id) => { try { canvas.removeMarker(id, MARKER); } catch (e) { /* element gone */ } });
  marked = [];
  modeler.get("overlays").remove({ type: "fd-problem" });
  const list = document.getElementById("modeler-problems");
  if (list) { list.replaceChildren(); list.closest(".fd-problems").hidden = true; }
}

function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = text;
  return div.innerHTML;
}

function mark(modeler, problem) {
  const registry = modeler.get("elementRegistry");
  const element = problem.element ? registry.get(problem.element) : null;
  if (!element) return null;
  modeler.get("canvas").addMarker(element.id, MARKER);
  marked.push(element.id);
  const html = `<div class="fd-problem-pin" title="${escapeHtml(problem.message)}">!</div>`;
  const position = element.waypoints ? { top: -12, left: -12 } : { top: -12, right: 12 };
  modeler.get("overlays").add(element.id, "fd-problem", { position, html });
  return element;
}

// A row of the problems or warnings list; a row about a drawn element selects it when clicked.
const ROW_STYLES = {
  problem: { className: "fd-problem", icon: "bi-exclamation-octagon-fill text-danger" },
  warning: { className: "fd-warning", icon: "bi-exclamation-triangle-fill text-warning" },
};

function listItem(modeler, entry, element, style = "problem") {
  const { className, icon } = ROW_STYLES[style];
  const item = document.createElement(element ? "button" : "div");
  item.className = `list-group-item list-group-item-action ${className}`;
  item.dataset.element = entry.element || "";
  const where = entry.element ? `<code>${escapeHtml(entry.element)}</code> ` : "";
  item.innerHTML = `<i class="bi ${icon}"></i><span>${where}${escapeHtml(entry.message)}</span>`;
  if (element) {
    item.type = "button";
    item.addEventListener("click", () => {
      modeler.get("selection").select(element);
      modeler.get("canvas").scrollToElement(element);
    });
  }
  return item;
}

export function showProblems(modeler, problems) {
  clearProblems(modeler);
  const list = document.getElementById("modeler-problems");
  problems.forEach((problem) => {
    const element = mark(modeler, problem);
    if (list) list.append(listItem(modeler, problem, element));
  });
  if (list) {
    list.closest(".fd-problems").hidden = problems.length === 0;
    const count = document.getElementById("modeler-problem-count");
    if (count) count.textContent = String(problems.length);
  }
}

// Warnings: what the engine accepts but does not honour (camunda:* attributes it ignores,
// formKey, asyncBefore...): amber pins on the elements and a list, never blocking a save.
const WARNING_MARKER = "fd-warned";
let warned = [];

export function clearWarnings(modeler) {
  const canvas = modeler.get("canvas");
  warned.forEach((id) => { try { canvas.removeMarker(id, WARNING_MARKER); } catch (e) { /* element gone */ } });
  warned = [];
  modeler.get("overlays").remove({ type: "fd-warning" });
  const list = document.getElementById("modeler-warnings");
  if (list) { list.replaceChildren(); list.closest(".fd-warnings").hidden = true; }
}

function pinWarnings(modeler, element, messages) {
  modeler.get("canvas").addMarker(element.id, WARNING_MARKER);
  warned.push(element.id);
  const title = escapeHtml(messages.join("\n"));
  const html = `<div class="fd-warning-pin" title="${title}" data-element="${escapeHtml(element.id)}">${messages.length}</div>`;
  const position = element.waypoints ? { top: -12, left: 12 } : { top: -12, left: -10 };
  modeler.get("overlays").add(element.id, "fd-warning", { position, html });
}

export function showWarnings(modeler, warnings) {
  clearWarnings(modeler);
  const registry = modeler.get("elementRegistry");
  const list = document.getElementById("modeler-warnings");
  const byElement = new Map();
  warnings.forEach((warning) => {
    const element = warning.element ? registry.get(warning.element) : null;
    if (element) byElement.set(element, [...(byElement.get(element) || []), warning.message]);
    if (list) list.append(listItem(modeler, warning, element, "warning"));
  });
  byElement.forEach((messages, element) => pinWarnings(modeler, element, messages));
  if (list) {
    list.closest(".fd-warnings").hidden = warnings.length === 0;
    const count = document.getElementById("modeler-warning-count");
    if (count) count.textContent = String(warnings.length);
  }
}
