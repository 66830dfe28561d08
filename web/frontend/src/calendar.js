// The calendar page: FullCalendar's day, week, month and agenda views over the session JSON
// routes of web/pages/calendar.py. Drag and resize PATCH the event; a click on a free slot
// or "New event" opens the dialog (opened and closed through Bootstrap's data attributes,
// which app.js's bundle handles). No inline scripts: the CSP forbids them.
// The calendar shows the person's zone (their profile's, else the company's: data-time-zone).
// FullCalendar has no zone database of its own, so the server sends wall-clock times in that
// zone and the page sends them back as such, with the zone's name; "now" is the zone's wall clock.
// An occurrence of a recurring event dragged, resized or edited asks: this one or this and
// following (the occurrence routes of web/pages/calendar.py).
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

const root = document.getElementById("calendar");
const zone = (root && root.dataset.timeZone) || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
// FullCalendar's dates carry the zone's wall-clock time in their UTC fields.
const wall = (d) => d.toISOString().slice(0, 19);
const localInput = (d) => wall(d).slice(0, 16);
const nowInZone = () => new Date(new Date().toLocaleString("sv-SE", { timeZone: zone }).replace(" ", "T") + "Z");
// A new event starts at the next half hour, as desktop calendars do, not at an odd minute
const HALF_HOUR = 1800000;
const nextHalfHour = () => new Date(Math.ceil(nowInZone().getTime() / HALF_HOUR) * HALF_HOUR);

function moved(event) {
  // All-day events travel as dates (the end exclusive); timed ones as wall-clock times in the zone.
  if (event.allDay) {
    const end = event.end || new Date(event.start.getTime() + 86400000);
    return { all_day: true, start: event.startStr.slice(0, 10), end: end.toISOString().slice(0, 10) };
  }
  return { all_day: false, start: wall(event.start), end: wall(event.end || event.start), timezone: zone };
}

function setup(root) {
  const choice = $("calendar-choice");
  const eventsUrl = () => root.dataset.eventsUrl.replace("/0/", `/${choice.value}/`);
  const eventUrl = (id) => root.dataset.eventUrl.replace("/0.json", `/${id}.json`);
  const occurrenceUrl = (id, rid, scope) => root.dataset.eventUrl.replace("/0.json", `/${id}/occurrences/${encodeURIComponent(rid)}.json?scope=${scope}`);
  let editing = null;
  let pickScope = null;  // resolves the open "which occurrences?" question

  const calendar = new Calendar(root, {
    plugins: [dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin],
    initialView: window.matchMedia("(max-width: 640px)").matches ? "listWeek" : "timeGridWeek",
    headerToolbar: { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth,listWeek" },
    buttonText: { listWeek: "agenda" },
    nowIndicator: true, editable: true, selectable: true, height: "auto", timeZone: zone,
    // Without a zone plugin FullCalendar takes "now" from the browser's clock in the browser's
    // zone: the indicator line, "today" and the first week shown would follow the browser, not
    // the person's zone. Asked on every tick, so the line moves on in the right zone.
    now: () => wall(nowInZone()),
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
      if (!props.busy) open(info.event);
    },
  });

  function toFullCalendar(item) {
    const editable = !item.busy && !item.kind;  // tasks: read-only
    // Occurrences get ids of their own: FullCalendar drags events sharing an id together.
    const id = item.recurrence_id ? `${item.event_id}@${item.recurrence_id}` : item.event_id || undefined;
    return { id, title: item.title, start: item.start, end: item.end,
             allDay: item.all_day, editable, classNames: item.busy ? ["fd-busy"] : item.kind ? ["fd-task", ...(item.unclaimed ? ["fd-unclaimed"] : [])] : [],
             url: item.task_id ? `/tasks/${item.task_id}` : item.inbox_task_id ? `/inbox/${item.inbox_task_id}` : undefined,
             extendedProps: { busy: item.busy, recurring: Boolean(item.recurrence_id), item } };
  }

  function askScope() {
    // The small "which occurrences?" dialog; resolves "this", "following" or null (cancelled).
    return new Promise((resolve) => { pickScope = resolve; $("scope-dialog-open").click(); });
  }
  for (const scope of ["this", "following"]) {
    $(`scope-${scope}`).addEventListener("click", () => { if (pickScope) pickScope(scope); pickScope = null; });
  }
  $("scope-dialog").addEventListener("hidden.bs.modal", () => { if (pickScope) pickScope(null); pickScope = null; });

  async function patch(info) {
    const item = info.event.extendedProps.item;
    try {
      if (item.recurrence_id) {
        const scope = await askScope();
        if (!scope) { info.revert(); return; }
        await send("PATCH", occurrenceUrl(item.event_id, item.recurrence_id, scope), moved(info.event));
        calendar.refetchEvents();
      } else {
        await send("PATCH", eventUrl(info.event.id), moved(info.event));
      }
    } catch (err) { info.revert(); alert(err.message); }
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
    const from = event ? event.start : start || nextHalfHour();
    $("event-start").value = localInput(from);
    $("event-end").value = localInput(event ? event.end || from : end || new Date(from.getTime() + 3600000));
    $("event-delete").classList.toggle("d-none", !event);
    $("event-scope-row").classList.toggle("d-none", !item.recurrence_id);
    $("event-scope").value = "this";
    $("event-error").classList.add("d-none");
    $("event-dialog-open").click();
  }

  function formData() {
    const allDay = $("event-all-day").checked;
    const when = (id) => (allDay ? $(id).value.slice(0, 10) : $(id).value || null);
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
      const item = editing ? editing.extendedProps.item : {};
      if (item.recurrence_id) {
        const scope = $("event-scope").value, data = formData();
        const only = scope === "this" ? ["title", "start", "end", "location", "description", "timezone"] : Object.keys(data);
        await send("PATCH", occurrenceUrl(item.event_id, item.recurrence_id, scope), Object.fromEntries(only.filter((k) => k in data).map((k) => [k, data[k]])));
      } else if (editing) await send("PATCH", eventUrl(editing.id), formData());
      else {
        const data = formData();
        await send("POST", `${eventsUrl().replace("/events.json", "")}/events.json`, data);
        // a new event may start in another week (say, created late on a Sunday): show where it went
        if (data.start) calendar.gotoDate(data.start.slice(0, 10));
      }
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
    const item = editing.extendedProps.item;
    if (item.recurrence_id) await send("DELETE", occurrenceUrl(item.event_id, item.recurrence_id, $("event-scope").value));
    else await send("DELETE", eventUrl(editing.id));
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

if (root) setup(root);
