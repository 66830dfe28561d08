// Fit a diagram into its canvas with margins (the modeler's palette covers the left edge),
// centred in what is left, never enlarged beyond 100 %.
export function fitDiagram(canvas, margins = { left: 30, right: 30, top: 30, bottom: 30 }) {
  canvas.resized();
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const room = { width: outer.width - margins.left - margins.right, height: outer.height - margins.top - margins.bottom };
  const scale = Math.max(0.2, Math.min(1, room.width / inner.width, room.height / inner.height));
  const left = margins.left + (room.width - inner.width * scale) / 2;
  const top = margins.top + (room.height - inner.height * scale) / 2;
  canvas.viewbox({
    x: inner.x - left / scale, y: inner.y - top / scale,
    width: outer.width / scale, height: outer.height / scale,
  });
}
