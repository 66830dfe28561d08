// Bundles the pages' JavaScript and CSS from npm packages into web/static/dist.
import * as esbuild from "esbuild";

const loaders = { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" };

await esbuild.build({
  entryPoints: ["src/app.js", "src/app.css"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  outdir: "../static/dist",
  loader: loaders,
  logLevel: "warning",
});
console.log("front-end assets built into web/static/dist");
