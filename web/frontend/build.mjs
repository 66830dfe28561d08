// Bundles the pages' JavaScript and CSS from npm packages into web/static/dist.
// app.js/app.css: every page. viewer.js/.css: pages that show diagrams (bpmn-js NavigatedViewer,
// about 60 KB gzipped). modeler.js/.css: the process designer only (bpmn-js Modeler, the
// Camunda properties panel and element templates, about 600 KB gzipped). calendar.js: the
// calendar page only (FullCalendar). dmn-editor.js/.css: the decision table editor only (dmn-js).
// board.js: the kanban boards only (SortableJS). reports.js: the report pages (Chart.js).
// pdf-viewer.js + pdf.worker.js: the drive's PDF preview only (pdf.js; the worker parses the
// PDF off the page's thread and is loaded by pdf-viewer.js from /static/dist as a module worker).
// form-viewer.js/.css: inbox tasks and start forms with a Camunda Form (form-js viewer); form-editor.js/.css: the
// Camunda Forms editor only (form-js editor).
import * as esbuild from "esbuild";

const loaders = { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" };

await esbuild.build({
  entryPoints: ["src/app.js", "src/app.css", "src/viewer.js", "src/modeler.js", "src/calendar.js", "src/drive.js",
    "src/dmn-editor.js", "src/board.js", "src/reports.js", "src/pdf-viewer.js", "src/form-viewer.js",
    { in: "node_modules/pdfjs-dist/build/pdf.worker.mjs", out: "pdf.worker" }],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  loader: loaders,
  logLevel: "warning",
});
// The form-js editor on its own: it and the properties panel it uses must share one preact (the
// editor ships an older copy of its own; two copies break hooks), so preact resolves to ours.
await esbuild.build({
  entryPoints: ["src/form-editor.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  loader: loaders,
  logLevel: "warning",
  alias: { preact: "./node_modules/preact" },
});
console.log("front-end assets built into web/static/dist");
