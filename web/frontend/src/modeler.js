// The process designer: bpmn-js with the Camunda 7 properties panel, element templates for
// Flowdesk's activities, "Save draft" (kept, starts nothing) and "Publish" (a new version) to
// the server and its validation errors
// shown on the elements they name. Loaded only on the designer page (it is large).
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { ElementTemplatesPropertiesProviderModule } from "bpmn-js-element-templates";
import ElementTemplateChooserModule from "@bpmn-io/element-template-chooser";

import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";
import "bpmn-js-element-templates/dist/assets/element-templates.css";
import "@bpmn-io/element-template-chooser/dist/element-template-chooser.css";
import "./modeler.css";

import { fitDiagram } from "./fit.js";
import { newDiagram, showProblems, clearProblems, showWarnings, clearWarnings } from "./modeler-problems.js";

const root = document.getElementById("fd-modeler");
// Panel groups open from the start: the name, and an applied activity template's parameters.
const OPEN_GROUPS = Object.fromEntries(["general", "ElementTemplates__CustomProperties-activity",
  "ElementTemplates__CustomProperties-parameters", "ElementTemplates__CustomProperties-result"]
  .map((id) => [id, { open: true }]));

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setStatus(text, tone = "muted") {
  const status = document.getElementById("modeler-status");
  if (!status) return;
  status.textContent = text;
  status.className = `fd-small text-${tone === "muted" ? "secondary" : `${tone}-emphasis`}`;
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

async function loadXml() {
  if (!root.dataset.xmlUrl) return newDiagram();
  const response = await fetch(root.dataset.xmlUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`Could not load the diagram (HTTP ${response.status})`);
  return response.text();
}

async function importInto(modeler, xml) {
  clearProblems(modeler);
  try {
    const { warnings } = await modeler.importXML(xml);
    fitDiagram(modeler.get("canvas"), { left: 130, right: 40, top: 40, bottom: 40 });
    root.dataset.state = "ready";
    delete root.dataset.dirty;
    setStatus(warnings.length ? `Opened with ${warnings.length} warning(s)` : "Ready");
    // The engine's warnings for the version opened (accepted but not honoured).
    if (root.dataset.engineWarnings) showWarnings(modeler, JSON.parse(root.dataset.engineWarnings));
  } catch (err) {
    root.dataset.state = "failed";
    showProblems(modeler, [{ element: null, message: `The file could not be opened: ${err.message}` }]);
    setStatus("Could not open the diagram", "danger");
  }
}

async function save(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  const body = new FormData();
  body.append("file", new Blob([xml], { type: "application/xml" }), "diagram.bpmn");
  setStatus("Saving…");
  root.dataset.state = "saving";
  const response = await fetch(root.dataset.saveUrl, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.ok) {
    root.dataset.state = "saved";
    delete root.dataset.dirty;
    clearProblems(modeler);
    const warnings = answer.warnings || [];
    if (warnings.length) {  // saved, but say on the elements what the engine will not honour
      showWarnings(modeler, warnings);
      setStatus(`Published as version ${answer.version} with ${warnings.length} warning(s)`, "warning");
      const link = document.getElementById("modeler-saved-link");
      if (link) { link.href = answer.url; link.hidden = false; }
      return;
    }
    setStatus(`Published as version ${answer.version}`, "success");
    window.location.assign(answer.url);
    return;
  }
  clearWarnings(modeler);
  root.dataset.state = "invalid";
  const problems = answer.errors
    || Object.entries(answer.fields || {}).map(([, message]) => ({ element: null, message }));
  showProblems(modeler, problems.length ? problems : [{ element: null, message: answer.error }]);
  setStatus(answer.error || "The diagram was not saved", "danger");
}

async function saveDraft(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  const body = new FormData();
  body.append("file", new Blob([xml], { type: "application/xml" }), "diagram.bpmn");
  setStatus("Saving the draft…");
  const response = await fetch(root.dataset.draftUrl, {
    method: "POST", body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) {
    showProblems(modeler, answer.errors && answer.errors.length ? answer.errors : [{ element: null, message: answer.error }]);
    setStatus(answer.error || "The draft was not saved", "danger");
    return;
  }
  root.dataset.state = "draft-saved";
  delete root.dataset.dirty;
  clearProblems(modeler);
  const problems = answer.problems || [];
  if (problems.length) showWarnings(modeler, problems);  // kept; fix these before publishing
  setStatus(problems.length ? `Draft saved: ${problems.length} problem(s) to fix before publishing`
    : "Draft saved: it starts nothing until you publish it", problems.length ? "warning" : "success");
  if (window.location.pathname !== new URL(answer.url, window.location.href).pathname) {
    window.history.replaceState(null, "", answer.url);  // reopening the page opens the draft
  }
}

async function download(modeler) {
  const { xml } = await modeler.saveXML({ format: true });
  const definitions = modeler.getDefinitions();
  const process = definitions && definitions.rootElements.find((e) => e.$type === "bpmn:Process");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
  link.download = `${(process && process.id) || "diagram"}.bpmn`;
  link.click();
  URL.revokeObjectURL(link.href);
}

function wireButtons(modeler) {
  document.getElementById("modeler-save").addEventListener("click", () => {
    save(modeler).catch((err) => setStatus(err.message, "danger"));
  });
  document.getElementById("modeler-save-draft").addEventListener("click", () => {
    saveDraft(modeler).catch((err) => setStatus(err.message, "danger"));
  });
  document.getElementById("modeler-download").addEventListener("click", () => download(modeler));
  const file = document.getElementById("modeler-file");
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const name = file.files[0].name;
    await importInto(modeler, await file.files[0].text());
    file.value = "";
    if (root.dataset.state === "ready") {
      root.dataset.dirty = "1";
      setStatus(`Opened ${name}: not saved yet`, "warning");
    }
  });
  modeler.on("commandStack.changed", () => {
    root.dataset.dirty = "1";
    setStatus("Unsaved changes", "warning");
  });
  window.addEventListener("beforeunload", (event) => {
    if (root.dataset.dirty === "1") event.preventDefault();
  });
}

async function start() {
  const templates = root.dataset.templatesUrl ? await fetchJson(root.dataset.templatesUrl) : [];
  const modeler = new BpmnModeler({
    container: "#fd-canvas",
    propertiesPanel: { parent: "#fd-properties", layout: { groups: OPEN_GROUPS } },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule, ElementTemplatesPropertiesProviderModule, ElementTemplateChooserModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
    elementTemplates: templates,
  });
  window.fdModeler = modeler; // for browser tests and the curious
  wireButtons(modeler);
  await importInto(modeler, await loadXml());
}

if (root) start().catch((err) => setStatus(err.message, "danger"));
