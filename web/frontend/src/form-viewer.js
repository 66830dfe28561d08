// The inbox's Camunda Forms: the form-js viewer shows the task's form (its schema and the process
// variables it starts from, both embedded in the page as JSON) and posts what was entered. The
// server checks the data again and answers 422 naming the field; those messages are listed under
// the form. Loaded only on an inbox task whose user task has a Camunda Form, and on the page that
// starts a process by hand through its start event's form (its submit URL is that page's).
import { Form } from "@bpmn-io/form-js";

import "@bpmn-io/form-js/dist/assets/form-js.css";

const root = document.getElementById("fd-form-js");

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function labelOf(schema, key) {
  const walk = (components) => {
    for (const c of components || []) {
      if (c.key === key || c.path === key) return c.label || key;
      const inner = walk(c.components);
      if (inner) return inner;
    }
    return null;
  };
  return walk(schema.components) || key;
}

function showErrors(schema, answer) {
  const box = document.getElementById("form-js-errors");
  const fields = answer.fields || {};
  const items = Object.entries(fields).map(([key, message]) => {
    const item = document.createElement("li");
    item.dataset.field = key;
    item.textContent = `${labelOf(schema, key)}: ${message}`;
    return item;
  });
  if (!items.length) {
    const item = document.createElement("li");
    item.textContent = answer.error || "The task could not be completed";
    items.push(item);
  }
  box.querySelector("ul").replaceChildren(...items);
  box.hidden = false;
}

async function submit(schema, data) {
  root.dataset.state = "saving";
  const response = await fetch(root.dataset.submitUrl, {
    method: "POST", credentials: "same-origin", body: JSON.stringify({ data }),
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.ok && answer.redirect) {
    window.location.assign(answer.redirect);
    return;
  }
  root.dataset.state = "invalid";
  showErrors(schema, answer);
}

async function main() {
  const schema = readJson("fd-form-schema");
  const data = readJson("fd-form-data");
  const editable = root.dataset.editable === "true";
  const form = new Form({ container: document.getElementById("fd-form-canvas"),
    properties: { readOnly: !editable } });
  await form.importSchema(schema, data);
  form.on("submit", (event) => {
    if (Object.keys(event.errors || {}).length) return;  // form-js shows them at the fields
    submit(schema, event.data);
  });
  const button = document.getElementById("complete-form");
  // form.submit() validates in the browser and emits "submit" (as the form's own submit button does).
  if (button) button.addEventListener("click", () => form.submit());
  root.dataset.state = "ready";
}

if (root) {
  main().catch((error) => {
    root.dataset.state = "failed";
    showErrors({}, { error: `The form could not be shown: ${error.message}` });
  });
}
