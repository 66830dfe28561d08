// The decision table editor: dmn-js (the bpmn.io DMN modeler) with "Save as new version" to the
// server; problems the engine finds (naming decision, rule and column) are listed under the
// table. Loaded only on the DMN editor page.
import DmnModeler from "dmn-js/lib/Modeler";

import "dmn-js/dist/assets/diagram-js.css";
import "dmn-js/dist/assets/dmn-js-shared.css";
import "dmn-js/dist/assets/dmn-js-drd.css";
import "dmn-js/dist/assets/dmn-js-decision-table.css";
import "dmn-js/dist/assets/dmn-js-decision-table-controls.css";
import "dmn-js/dist/assets/dmn-js-literal-expression.css";
import "dmn-js/dist/assets/dmn-font/css/dmn-embedded.css";

const root = document.getElementById("fd-dmn-editor");

// A new file: one decision table (hit policy UNIQUE), one input, one output, one rule.
const NEW_TABLE = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:camunda="http://camunda.org/schema/1.0/dmn"
  id="Definitions_1" name="Decisions" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="Decision_1" name="New decision">
    <decisionTable id="DecisionTable_1" hitPolicy="UNIQUE">
      <input id="Input_1" label="Amount"><inputExpression id="InputExpression_1" typeRef="integer"><text>amount</text></inputExpression></input>
      <output id="Output_1" label="Result" name="result" typeRef="string" />
      <rule id="Rule_1"><inputEntry id="UnaryTests_1"><text>&lt; 100</text></inputEntry><outputEntry id="LiteralExpression_1"><text>"small"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setStatus(text, tone = "muted") {
  const status = document.getElementById("dmn-status");
  status.textContent = text;
  status.className = `fd-small text-${tone === "muted" ? "secondary" : `${tone}-emphasis`}`;
}

function showProblems(problems) {
  const box = document.getElementById("dmn-problems");
  const list = document.getElementById("dmn-problem-list");
  list.replaceChildren(...problems.map((p) => {
    const item = document.createElement("div");
    item.className = "list-group-item fd-small";
    item.textContent = p.element ? `${p.element}: ${p.message}` : p.message;
    return item;
  }));
  box.hidden = problems.length === 0;
}

async function loadXml() {
  if (!root.dataset.xmlUrl) return NEW_TABLE;
  const response = await fetch(root.dataset.xmlUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`Could not load the decision (HTTP ${response.status})`);
  return response.text();
}

async function open(modeler, xml) {
  showProblems([]);
  await modeler.importXML(xml);
  // Straight into the first decision table (the requirements diagram is one box here).
  const table = modeler.getViews().find((view) => view.type === "decisionTable");
  if (table) await modeler.open(table);
  root.dataset.state = "ready";
  setStatus("Ready");
}

async function save(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  const body = new FormData();
  body.append("file", new Blob([xml], { type: "application/xml" }), "decisions.dmn");
  setStatus("Saving…");
  root.dataset.state = "saving";
  const response = await fetch(root.dataset.saveUrl, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) {
    root.dataset.state = "invalid";
    showProblems(answer.errors && answer.errors.length ? answer.errors : [{ element: null, message: answer.error }]);
    setStatus(answer.error || "Not saved", "danger");
    return;
  }
  showProblems([]);
  root.dataset.state = "saved";
  delete root.dataset.dirty;
  const saved = answer.items.map((d) => `${d.key} v${d.version}`).join(", ");
  setStatus(`Saved: ${saved}`, "success");
}

function download(modeler) {
  modeler.saveXML({ format: true }).then(({ xml }) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
    link.download = `${root.dataset.key || "decisions"}.dmn`;
    link.click();
    URL.revokeObjectURL(link.href);
  });
}

function wire(modeler) {
  document.getElementById("dmn-save").addEventListener("click", () => {
    save(modeler).catch((err) => setStatus(err.message, "danger"));
  });
  document.getElementById("dmn-download").addEventListener("click", () => download(modeler));
  const file = document.getElementById("dmn-file");
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const name = file.files[0].name;
    await open(modeler, await file.files[0].text()).catch((err) => setStatus(err.message, "danger"));
    file.value = "";
    root.dataset.dirty = "1";
    setStatus(`Opened ${name}: not saved yet`, "warning");
  });
  modeler.on("views.changed", () => {
    const viewer = modeler.getActiveViewer();
    if (viewer && !viewer.fdWatched) {
      viewer.fdWatched = true;
      viewer.on("elements.changed", () => {
        root.dataset.dirty = "1";
        setStatus("Unsaved changes", "warning");
      });
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (root.dataset.dirty === "1") event.preventDefault();
  });
}

async function start() {
  // Keyboard shortcuts bind to the canvas implicitly (diagram-js 15); `keyboard.bindTo` is refused
  // with a console error.
  const modeler = new DmnModeler({ container: "#fd-dmn-canvas" });
  window.fdDmnModeler = modeler; // for browser tests and the curious
  wire(modeler);
  await open(modeler, await loadXml());
}

if (root) start().catch((err) => { root.dataset.state = "failed"; setStatus(err.message, "danger"); });
