// Jupyter widgets saved with their state: the @jupyter-widgets/html-manager bundle, copied beside
// the page, draws each view from the page's widget-state script when the page has loaded; each
// static fallback is hidden once its control is drawn, and stays when it is not. Loaded only on
// pages that show a widget.
(function () {
  // A slider's handle has no accessible name of its own: it takes its control's description; a
  // button that is only an icon (Play's) is named by its tooltip or its icon. A control saved
  // without a tooltip is drawn with the tooltip "null": it is taken away.
  var icons = { retweet: "repeat" };
  function name(box) {
    box.querySelectorAll('[title="null"]').forEach(function (element) { element.removeAttribute("title"); });
    box.querySelectorAll("button:not([aria-label])").forEach(function (button) {
      if (button.textContent.trim()) return;
      var icon = (button.querySelector("i") || button).className.match(/\bfa-([a-z0-9-]+)/);
      var named = button.title || (icon && (icons[icon[1]] || icon[1].replace(/-/g, " ")));
      if (named) button.setAttribute("aria-label", named);
    });
    box.querySelectorAll('[role="slider"]:not([aria-label])').forEach(function (handle) {
      var control = handle.closest(".widget-slider");
      var label = control && control.querySelector(".widget-label");
      if (label && label.textContent.trim()) handle.setAttribute("aria-label", label.textContent.trim());
    });
  }
  // The controls take the page's colours (its light and dark schemes), not JupyterLab's light ones.
  var colours = {
    "--jp-widgets-color": "var(--fg)", "--jp-widgets-label-color": "var(--fg)",
    "--jp-widgets-readout-color": "var(--fg)", "--jp-widgets-input-color": "var(--fg)",
    "--jp-widgets-input-background-color": "var(--bg)", "--jp-widgets-input-border-color": "var(--border)",
    "--jp-widgets-slider-handle-background-color": "var(--bg)",
    "--jp-widgets-slider-handle-border-color": "var(--muted)", "--jp-widgets-slider-active-handle-color": "var(--accent)",
    "--jp-ui-font-color1": "var(--fg)", "--jp-layout-color2": "var(--card)",  // buttons
  };
  var boxes = document.querySelectorAll(".nb-widget");
  if (!boxes.length) return;
  boxes.forEach(function (box) {
    Object.keys(colours).forEach(function (property) { box.style.setProperty(property, colours[property]); });
    // Kept watching: a control can draw others later (an Output widget's contents).
    new MutationObserver(function () {
      if (!box.querySelector(".widget-subarea > *")) return;
      name(box);
      box.querySelector(".nb-fallback").hidden = true;
      box.classList.add("nb-live");
    }).observe(box, { childList: true, subtree: true });
  });
  // Inserted before the page's load event, so that event waits for the bundle, which draws on it.
  var script = document.createElement("script");
  script.src = boxes[0].dataset.nbScript;
  script.onerror = function () { console.warn("could not load " + script.src); };
  document.head.appendChild(script);
})();
