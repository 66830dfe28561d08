// The drive's PDF preview: pdf.js draws one page at a time on a canvas, with previous/next
// buttons and a page number. The PDF comes from the file's download URL (same origin, the
// same read-right check as a download); the worker is our own bundle (pdf.worker.js), so the
// page's policy (script-src 'self') holds. No eval: fonts are drawn without compiled paths.
import { GlobalWorkerOptions, getDocument } from "pdfjs-dist";

const box = document.querySelector("[data-pdf-src]");

if (box) {
  GlobalWorkerOptions.workerSrc = box.dataset.pdfWorker;
  const canvas = box.querySelector("canvas");
  const pageField = box.querySelector("[data-pdf-page]");
  const pagesLabel = box.querySelector("[data-pdf-pages]");
  const prev = box.querySelector("[data-pdf-prev]");
  const next = box.querySelector("[data-pdf-next]");
  const problem = box.querySelector("[data-pdf-error]");
  let doc = null;
  let current = 1;
  let task = null;

  const show = async (number) => {
    if (!doc) return;
    current = Math.min(Math.max(1, number), doc.numPages);
    if (task) task.cancel(); // a newer page was asked for: drop the drawing under way
    const page = await doc.getPage(current);
    const fit = (box.clientWidth || 800) / page.getViewport({ scale: 1 }).width;
    const viewport = page.getViewport({ scale: Math.min(fit, 3) });
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    box.removeAttribute("data-rendered-page");
    pageField.value = String(current);
    prev.disabled = current <= 1;
    next.disabled = current >= doc.numPages;
    task = page.render({
      canvasContext: canvas.getContext("2d"), viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    });
    try {
      await task.promise;
      box.dataset.renderedPage = String(current); // tests and screen readers: this page is drawn
    } catch (error) {
      if (error?.name !== "RenderingCancelledException") throw error;
    }
  };

  const fail = (error) => {
    problem.textContent = `The preview could not be shown (${error?.message || error}). Download the file instead.`;
    problem.hidden = false;
  };

  prev.addEventListener("click", () => show(current - 1).catch(fail));
  next.addEventListener("click", () => show(current + 1).catch(fail));
  pageField.addEventListener("change", () => show(Number.parseInt(pageField.value, 10) || 1).catch(fail));

  getDocument({ url: box.dataset.pdfSrc, isEvalSupported: false, withCredentials: true }).promise
    .then((loaded) => {
      doc = loaded;
      pagesLabel.textContent = String(doc.numPages);
      pageField.max = String(doc.numPages);
      return show(1);
    })
    .catch(fail);
}
