// htmx for partial updates; CSRF token sent with every htmx request.
import htmx from "htmx.org";
import "bootstrap/dist/js/bootstrap.bundle.min.js";

window.htmx = htmx;

document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
