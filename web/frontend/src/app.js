// htmx for partial updates; CSRF token sent with every htmx request.
import htmx from "htmx.org";
import "bootstrap/dist/js/bootstrap.bundle.min.js";
import "./departments.js";

window.htmx = htmx;
// The Content-Security-Policy allows no eval: behaviour lives in this file, never in attributes.
htmx.config.allowEval = false;

document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});

// Row selection in lists: "select all", the count and the bulk-action bar.
function updateBulk(table) {
  const boxes = table.querySelectorAll("input[data-row-check]");
  const checked = [...boxes].filter((b) => b.checked);
  const bar = document.querySelector(table.dataset.bulkBar || "[data-bulk-bar]");
  if (bar) {
    bar.classList.toggle("show", checked.length > 0);
    const count = bar.querySelector("[data-bulk-count]");
    if (count) count.textContent = String(checked.length);
  }
  const all = table.querySelector("input[data-check-all]");
  if (all) {
    all.checked = checked.length > 0 && checked.length === boxes.length;
    all.indeterminate = checked.length > 0 && checked.length < boxes.length;
  }
}

document.addEventListener("change", (event) => {
  const target = event.target;
  const table = target.closest("[data-bulk-table]");
  if (!table) return;
  if (target.matches("input[data-check-all]")) {
    table.querySelectorAll("input[data-row-check]").forEach((b) => { b.checked = target.checked; });
  }
  updateBulk(table);
});

// Forms with data-confirm ask before they are sent (delete buttons without a modal).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : null;
  if (message && !window.confirm(message)) event.preventDefault();
});

// "/" focuses the global search box.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.querySelector("#global-search");
  if (box) { event.preventDefault(); box.focus(); }
});

// The global search's suggestions: asked for again on focus when there is text, closed by
// Escape and shortly after the box loses focus (a click on a suggestion lands first).
const clearSuggestions = () => {
  const box = document.querySelector("#search-suggest");
  if (box) box.innerHTML = "";
};
document.addEventListener("focusin", (event) => {
  if (event.target.id === "global-search" && event.target.value) htmx.trigger(event.target, "suggest");
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && event.target.id === "global-search") clearSuggestions();
});
document.addEventListener("focusout", (event) => {
  if (event.target.id === "global-search") setTimeout(clearSuggestions, 250);
});

// The browser's time zone, posted once while the person has chosen none: pages then show dates
// and deadlines in it (the profile changes it later).
const zoneHolder = document.querySelector("[data-time-zone-url]");
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zoneHolder && browserZone && !sessionStorage.getItem("fd-zone-posted")) {
  sessionStorage.setItem("fd-zone-posted", "1");
  const meta = document.querySelector('meta[name="csrf-token"]');
  fetch(zoneHolder.dataset.timeZoneUrl, {
    method: "POST", credentials: "same-origin", body: new URLSearchParams({ time_zone: browserZone }),
    headers: { "X-CSRFToken": meta ? meta.content : "" },
  }).catch(() => sessionStorage.removeItem("fd-zone-posted"));
}

// Reference fields' type-ahead (records/form.html): picking a match fills the hidden id, typing
// forgets it (an unpicked text saves no reference), Escape or leaving the box closes the menu.
const refBox = (el) => el.closest("[data-ref-lookup]");
const closeRefMenu = (box) => { box.querySelector("[data-ref-menu]").innerHTML = ""; };
document.addEventListener("click", (event) => {
  const pick = event.target.closest("[data-ref-pick]");
  if (!pick) return;
  const box = refBox(pick);
  box.querySelector("[data-ref-id]").value = pick.dataset.refPick;
  box.querySelector("[data-ref-search]").value = pick.dataset.refTitle;
  closeRefMenu(box);
});
document.addEventListener("input", (event) => {
  if (event.target.matches("[data-ref-search]")) refBox(event.target).querySelector("[data-ref-id]").value = "";
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && event.target.matches("[data-ref-search]")) closeRefMenu(refBox(event.target));
});
document.addEventListener("focusout", (event) => {
  const box = event.target.closest ? refBox(event.target) : null;
  if (box) setTimeout(() => { if (!box.contains(document.activeElement)) closeRefMenu(box); }, 250);
});
