// The structure page: drag a department onto another to move it under that one (or onto
// "Top level"). The move is an ordinary form post, so the server checks it (never under itself).
const tree = document.querySelector("[data-department-tree]");

function canDrop(dragged, target) {
  if (!dragged || target.dataset.departmentId === dragged.dataset.departmentId) return false;
  const path = target.dataset.departmentPath || "";
  return !path.startsWith(dragged.dataset.departmentPath);  // not into its own sub-tree
}

if (tree) {
  let dragged = null;
  tree.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[draggable][data-department-id]");
    if (dragged) event.dataTransfer.setData("text/plain", dragged.dataset.departmentId);
  });
  tree.addEventListener("dragover", (event) => {
    const target = event.target.closest("[data-drop-target]");
    if (target && canDrop(dragged, target)) {
      event.preventDefault();
      target.classList.add("fd-drop-over");
    }
  });
  tree.addEventListener("dragleave", (event) => {
    const target = event.target.closest("[data-drop-target]");
    if (target) target.classList.remove("fd-drop-over");
  });
  tree.addEventListener("drop", (event) => {
    const target = event.target.closest("[data-drop-target]");
    if (!target || !canDrop(dragged, target)) return;
    event.preventDefault();
    const form = document.querySelector("#department-move-form");
    form.action = tree.dataset.moveUrl.replace("/0/move", `/${dragged.dataset.departmentId}/move`);
    form.querySelector("input[name=parent_id]").value = target.dataset.departmentId || "";
    form.submit();
  });
}
