// The calendar page: FullCalendar's day, week, month and agenda views over the session JSON
// routes of web/pages/calendar.py. Drag and resize PATCH the event; a click on a free slot
// or "New event" opens the dialog (opened and closed through Bootstrap's data attributes,
// which app.js's bundle handles). No inline scripts: the CSP forbids them.
import { Calendar } from "@fullcalendar/core";
import dayGridPlugin from "@fullcalendar/daygrid";
import interactionPlugin from "@fullcalendar/interaction";
import listPlugin from "@fullcalendar/list";
import timeGridPlugin from "@fullcalendar/timegrid";

const $ = (id) => document.getElementById(id);

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText), { fields: data.fields || {} });
  return data;
}

const pad = (n) => String(n).padStart(2, "0");
const localInput = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function moved(event) {
  // All-day events travel as dates (the end exclusive); timed ones as UTC instants.
  if (event.allDay) {
    const end = event.end || new Date(event.start.getTime() + 86400000);
    return { all_day: true, start: event.startStr.slice(0, 10), end: end.toISOString().slice(0, 10) };
  }
  return { all_day: false, start: event.start.toISOString(), end: (event.end || event.start).toISOString() };
}

function setup(root) {
  const choice = $("calendar-choice");
  const eventsUrl = () => root.dataset.eventsUrl.replace("/0/", `/${choice.value}/`);
  const eventUrl = (id) => root.dataset.eventUrl.replace("/0.json", `/${id}.json`);
  let editing = null;

  const calendar = new Calendar(root, {
    plugins: [dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin],
    initialView: window.matchMedia("(max-width: 640px)").matches ? "listWeek" : "timeGridWeek",
    headerToolbar: { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth,listWeek" },
    buttonText: { listWeek: "agenda" },
    nowIndicator: true, editable: true, selectable: true, height: "auto", timeZone: "local",
    events: (info, ok, fail) => {
      const url = `${eventsUrl()}?start=${encodeURIComponent(info.startStr)}&end=${encodeURIComponent(info.endStr)}`;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => r.json()).then((items) => ok(items.map(toFullCalendar))).catch(fail);
    },
    eventDrop: (info) => patch(info), eventResize: (info) => patch(info),
    select: (info) => open(null, info.start, info.end, info.allDay),
    eventClick: (info) => {
      const props = info.event.extendedProps;
      if (props.item.kind) return;  // a task: its link opens it
      info.jsEvent.preventDefault();
      if (!props.busy && !props.recurring) open(info.event);
    },
  });

  function toFullCalendar(item) {
    const editable = !item.busy && !item.rrule && !item.kind;  // a series: in its dialog; tasks: read-only
    return { id: item.event_id || undefined, title: item.title, start: item.start, end: item.end,
             allDay: item.all_day, editable, classNames: item.busy ? ["fd-busy"] : item.kind ? ["fd-task"] : [],
             url: item.task_id ? `/tasks/${item.task_id}` : item.inbox_task_id ? `/inbox/${item.inbox_task_id}` : undefined,
             extendedProps: { busy: item.busy, recurring: Boolean(item.rrule), item } };
  }

  async function patch(info) {
    try { await send("PATCH", eventUrl(info.event.id), moved(info.event)); } catch (err) { info.revert(); alert(err.message); }
  }

  function open(event, start, end, allDay) {
    editing = event;
    const item = event ? event.extendedProps.item : {};
    $("event-dialog-title").textContent = event ? "Edit event" : "New event";
    $("event-title").value = item.title || "";
    $("event-location").value = item.location || "";
    $("event-description").value = item.description || "";
    $("event-private").checked = Boolean(item.private);
    const invited = new Set((item.attendees || []).map((a) => String(a.user_id)));
    for (const option of $("event-attendees").options) option.selected = invited.has(option.value);
    showBusy();
    $("event-all-day").checked = event ? event.allDay : Boolean(allDay);
    const from = event ? event.start : start || new Date();
    $("event-start").value = localInput(from);
    $("event-end").value = localInput(event ? event.end || from : end || new Date(from.getTime() + 3600000));
    $("event-delete").classList.toggle("d-none", !event);
    $("event-error").classList.add("d-none");
    $("event-dialog-open").click();
  }

  function formData() {
    const allDay = $("event-all-day").checked;
    const when = (id) => (allDay ? $(id).value.slice(0, 10) : $(id).value ? new Date($(id).value).toISOString() : null);
    const data = { title: $("event-title").value, all_day: allDay, start: when("event-start"),
                   location: $("event-location").value, description: $("event-description").value,
                   private: $("event-private").checked, timezone: zone };
    if ($("event-end").value) data.end = when("event-end");
    data.attendee_ids = [...$("event-attendees").selectedOptions].map((o) => Number(o.value));
    if (!editing && root.dataset.record) {
      const [entity, id] = root.dataset.record.split(":");
      data.record = { entity, id: Number(id) };
    }
    return data;
  }

  $("event-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      if (editing) await send("PATCH", eventUrl(editing.id), formData());
      else await send("POST", `${eventsUrl().replace("/events.json", "")}/events.json`, formData());
      $("event-cancel").click();
      calendar.refetchEvents();
    } catch (err) {
      const box = $("event-error");
      box.textContent = Object.keys(err.fields).length ? Object.entries(err.fields).map(([k, v]) => `${k}: ${v}`).join("; ") : err.message;
      box.classList.remove("d-none");
    }
  });
  $("event-delete").addEventListener("click", async () => {
    if (!editing) return;
    await send("DELETE", eventUrl(editing.id));
    $("event-cancel").click();
    calendar.refetchEvents();
  });
  // Colleagues picked in the dialog: their busy times as background blocks.
  let busySources = [];
  function showBusy() {
    busySources.forEach((source) => source.remove());
    busySources = [...$("event-attendees").selectedOptions].map((option) => calendar.addEventSource({
      id: `busy-${option.value}`, display: "background", color: "#f59e0b",
      events: (info, ok, fail) => {
        const url = `${root.dataset.busyUrl.replace("/0/", `/${option.value}/`)}?start=${encodeURIComponent(info.startStr)}&end=${encodeURIComponent(info.endStr)}`;
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((r) => r.json()).then((items) => ok(items.map((b) => ({ start: b.start, end: b.end, allDay: b.all_day, title: option.text }))))
          .catch(fail);
      },
    }));
  }
  $("event-attendees").addEventListener("change", showBusy);
  document.getElementById("event-dialog").addEventListener("hidden.bs.modal", () => {
    for (const option of $("event-attendees").options) option.selected = false;
    showBusy();
  });
  $("calendar-new").addEventListener("click", () => open(null));
  choice.addEventListener("change", () => calendar.refetchEvents());
  calendar.render();
  if (root.dataset.record) {  // came from "Schedule a meeting" on a record page
    open(null);
    $("event-title").value = `Meeting: ${root.dataset.recordTitle}`;
  }
}

const root = document.getElementById("calendar");
if (root) setup(root);
