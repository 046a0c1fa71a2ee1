(function () {
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
new MutationObserver(function () {
if (!box.querySelector(".widget-subarea > *")) return;
name(box);
box.querySelector(".nb-fallback").hidden = true;
box.classList.add("nb-live");
}).observe(box, { childList: true, subtree: true });
});
var script = document.createElement("script");
script.src = boxes[0].dataset.nbScript;
script.onerror = function () { console.warn("could not load " + script.src); };
document.head.appendChild(script);
})();
