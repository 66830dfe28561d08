// Kanban boards: drag a card to another column (SortableJS). The drop is sent to the server,
// which applies it exactly as the edit form does; when it refuses (a right per status, a newer
// version, a stage outside the pipeline) the card goes back and the reason is shown.
import Sortable from "sortablejs";

const board = document.querySelector("#board");
const message = document.querySelector("#board-message");

function show(text) {
  message.textContent = text;
  message.classList.toggle("d-none", !text);
}

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function bump(column, by, amount) {
  const badge = column.querySelector("[data-count]");
  badge.textContent = String(Number(badge.textContent) + by);
  const total = column.querySelector("[data-amount]");
  if (total && amount) total.dataset.amount = String(Number(total.dataset.amount) + by * amount);
}

async function move(event) {
  const card = event.item;
  const from = event.from.closest("[data-column]");
  const to = event.to.closest("[data-column]");
  if (from === to) return;
  const body = new URLSearchParams({ id: card.dataset.id, version: card.dataset.version, to: to.dataset.column });
  let answer;
  try {
    const response = await fetch(board.dataset.moveUrl, {
      method: "POST", body, headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    });
    answer = { ok: response.ok, data: await response.json() };
  } catch (err) {
    answer = { ok: false, data: { error: `Not saved: ${err}` } };
  }
  if (answer.ok) {
    card.dataset.version = String(answer.data.version);
    bump(from, -1, 0);
    bump(to, 1, 0);
    show("");
    return;
  }
  // Refused: the card goes back where it was, and the reason is shown.
  const home = from.querySelector("[data-cards]");
  home.insertBefore(card, home.children[event.oldIndex] || null);
  const fields = answer.data.fields ? Object.values(answer.data.fields).join("; ") : "";
  show(fields || answer.data.error || "The move was refused");
}

if (board) {
  board.querySelectorAll("[data-cards]").forEach((list) => {
    Sortable.create(list, {
      // Every column takes the drop: the server decides (locked columns are only marked).
      group: "board",
      draggable: "[data-card]",
      ghostClass: "fd-board-ghost",
      delay: 150,
      delayOnTouchOnly: true,
      onEnd: move,
    });
  });
  // Quick add: the form clears after its card arrives.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("[data-quick-add]")) return;
    if (event.detail.successful) {
      form.reset();
      bump(form.closest("[data-column]"), 1, 0);
      show("");
    } else {
      show(event.detail.xhr.responseText.replace(/<[^>]+>/g, ""));
    }
  });
}
