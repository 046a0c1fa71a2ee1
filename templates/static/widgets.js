// Jupyter widgets saved with their state: the @jupyter-widgets/html-manager bundle, copied beside
// the page, draws each view from the page's widget-state script when the page has loaded; each
// static fallback is hidden once its control is drawn, and stays when it is not. Loaded only on
// pages that show a widget.
(function () {
  var boxes = document.querySelectorAll(".nb-widget");
  if (!boxes.length) return;
  boxes.forEach(function (box) {
    var watch = new MutationObserver(function () {
      if (!box.querySelector(".widget-subarea > *")) return;
      box.querySelector(".nb-fallback").hidden = true;
      box.classList.add("nb-live");
      watch.disconnect();
    });
    watch.observe(box, { childList: true, subtree: true });
  });
  // Inserted before the page's load event, so that event waits for the bundle, which draws on it.
  var script = document.createElement("script");
  script.src = boxes[0].dataset.nbScript;
  script.onerror = function () { console.warn("could not load " + script.src); };
  document.head.appendChild(script);
})();
