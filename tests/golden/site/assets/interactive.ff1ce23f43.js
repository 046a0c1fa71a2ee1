(function () {
var loading = {};
function load(src) {
if (!loading[src]) loading[src] = new Promise(function (resolve, reject) {
var script = document.createElement("script");
script.src = src;
script.onload = resolve;
script.onerror = function () { reject(new Error("could not load " + src)); };
document.head.appendChild(script);
});
return loading[src];
}
function inOrder(sources) {
return sources.reduce(function (done, src) { return done.then(function () { return load(src); }); }, Promise.resolve());
}
function dark() {
var theme = document.documentElement.dataset.theme;
return theme ? theme === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
}
function draw(box, spec, kind) {
var target = document.createElement("div");
target.className = "nb-drawn";
box.insertBefore(target, box.firstChild);
if (kind === "bokeh") {  // its own <div>, an output before this one, is the target
target.remove();
return window.Bokeh.embed.embed_items(spec.docs_json, spec.render_items);
}
if (kind === "plotly") {
var layout = Object.assign({}, spec.layout || {});
delete layout.width;  // the column's width, so a phone never scrolls the page sideways
layout.autosize = true;
if (dark()) {  // the page shows through the margins, so the labels take the page's text colour
layout.paper_bgcolor = layout.paper_bgcolor || "rgba(0,0,0,0)";
layout.font = Object.assign({ color: getComputedStyle(box).color }, layout.font || {});
}
var config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
return window.Plotly.newPlot(target, spec.data || [], layout, config);
}
return window.vegaEmbed(target, spec, { actions: false, mode: kind, theme: dark() ? "dark" : undefined });
}
function start() {
document.querySelectorAll(".nb-interactive").forEach(function (box) {
var spec = JSON.parse(box.querySelector('script[type="application/json"]').textContent);
inOrder(box.dataset.nbScripts.split(" ")).then(function () {
return draw(box, spec, box.dataset.nbKind);
}).then(function () {
box.classList.add("nb-live");
}).catch(function (problem) {
var drawn = box.querySelector(".nb-drawn");
if (drawn) drawn.remove();
console.warn(problem);
});
});
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
})();
