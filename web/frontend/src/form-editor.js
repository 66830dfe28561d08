// The Camunda Forms editor: form-js's editor (palette, canvas, properties panel) with "Save as new
// version" to the server, which checks the form (id, component keys) and names the component of a
// problem. Loaded only on the form editor page.
import { FormEditor } from "@bpmn-io/form-js";

import "@bpmn-io/form-js/dist/assets/form-js.css";
import "@bpmn-io/form-js/dist/assets/form-js-editor.css";
import "@bpmn-io/form-js/dist/assets/properties-panel.css";

const root = document.getElementById("fd-form-editor");

// A new form: its id names it (camunda:formRef="…"); one required text field.
const NEW_FORM = {
  id: "new_form", type: "default", schemaVersion: 16,
  components: [{ id: "Field_name", type: "textfield", key: "name", label: "Name", validate: { required: true } }],
};

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setStatus(text, tone = "muted") {
  const status = document.getElementById("form-status");
  status.textContent = text;
  status.className = `fd-small text-${tone === "muted" ? "secondary" : `${tone}-emphasis`}`;
}

function showProblems(problems) {
  const box = document.getElementById("form-problems");
  const list = document.getElementById("form-problem-list");
  list.replaceChildren(...problems.map((p) => {
    const item = document.createElement("div");
    item.className = "list-group-item fd-small";
    item.textContent = p.element ? `${p.element}: ${p.message}` : p.message;
    return item;
  }));
  box.hidden = problems.length === 0;
}

async function loadSchema() {
  if (!root.dataset.schemaUrl) return NEW_FORM;
  const response = await fetch(root.dataset.schemaUrl, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`Could not load the form (HTTP ${response.status})`);
  return response.json();
}

async function save(editor) {
  const schema = editor.saveSchema();
  const body = new FormData();
  body.append("file", new Blob([JSON.stringify(schema, null, 2)], { type: "application/json" }),
    `${schema.id || "form"}.form`);
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
  setStatus(`Saved: ${answer.items.map((f) => `${f.key} v${f.version}`).join(", ")}`, "success");
}

function download(editor) {
  const schema = editor.saveSchema();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(schema, null, 2)], { type: "application/json" }));
  link.download = `${schema.id || "form"}.form`;
  link.click();
  URL.revokeObjectURL(link.href);
}

function wire(editor) {
  document.getElementById("form-save").addEventListener("click", () => {
    save(editor).catch((err) => setStatus(err.message, "danger"));
  });
  document.getElementById("form-download").addEventListener("click", () => download(editor));
  const file = document.getElementById("form-file");
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const name = file.files[0].name;
    try {
      await editor.importSchema(JSON.parse(await file.files[0].text()));
      root.dataset.dirty = "1";
      setStatus(`Opened ${name}: not saved yet`, "warning");
    } catch (err) {
      setStatus(err.message, "danger");
    }
    file.value = "";
  });
  editor.on("changed", () => {
    root.dataset.dirty = "1";
    setStatus("Unsaved changes", "warning");
  });
  window.addEventListener("beforeunload", (event) => {
    if (root.dataset.dirty === "1") event.preventDefault();
  });
}

async function start() {
  const editor = new FormEditor({ container: document.getElementById("fd-form-canvas") });
  window.fdFormEditor = editor; // for browser tests and the curious
  await editor.importSchema(await loadSchema());
  wire(editor);
  delete root.dataset.dirty;
  root.dataset.state = "ready";
  setStatus("Ready");
}

if (root) start().catch((err) => { root.dataset.state = "failed"; setStatus(err.message, "danger"); });
