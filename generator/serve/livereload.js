(() => {
  const build = document.currentScript ? document.currentScript.dataset.build : "";
  const events = new EventSource("/__journey/events");
  let panel = null;
  events.addEventListener("hello", (event) => { if (event.data !== build) location.reload(); });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("build-error", (event) => {
    if (!panel) {
      panel = document.createElement("pre");
      panel.id = "journey-build-error";
      panel.setAttribute("role", "alert");
      panel.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;"
        + "z-index:2147483647;margin:0;padding:1rem 1.25rem;background:#2b0d0d;color:#ffd7d7;"
        + "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;"
        + "border-top:4px solid #e5484d;box-shadow:0 -4px 24px rgba(0,0,0,.4)";
      document.body.appendChild(panel);
    }
    panel.textContent = "journey: the rebuild failed; showing the last good page.\n\n"
      + event.data;
  });
})();
