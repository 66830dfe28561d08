// Drive pages: files dropped anywhere on a folder page are uploaded into that folder
// (the upload form carries data-drive-drop); a highlight shows where they will land.
const form = document.querySelector("form[data-drive-drop]");

if (form) {
  const input = form.querySelector('input[type="file"]');
  let depth = 0;
  const mark = (on) => document.body.classList.toggle("fd-drive-dropping", on);

  document.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
    depth += 1;
    mark(true);
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) mark(false);
  });
  document.addEventListener("dragover", (event) => {
    if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    depth = 0;
    mark(false);
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });
}
