// Dark-mode toggle (the choice persists), copy buttons on code, keyboard access to wide regions.
(function () {
  var root = document.documentElement;
  var system = window.matchMedia("(prefers-color-scheme: dark)");
  function dark() { return root.dataset.theme ? root.dataset.theme === "dark" : system.matches; }
  function start() {
    var toggle = document.querySelector(".theme-toggle");
    if (toggle) {
      var sync = function () { toggle.setAttribute("aria-pressed", String(dark())); };
      sync();
      system.addEventListener("change", sync);
      toggle.addEventListener("click", function () {
        root.dataset.theme = dark() ? "light" : "dark";  // code colours follow through light-dark()
        try { localStorage.setItem("journey-theme", root.dataset.theme); } catch (e) { /* private mode */ }
        sync();
      });
    }
    if (navigator.clipboard) document.querySelectorAll(".content div.highlight").forEach(function (block) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(block.querySelector("pre").innerText).then(function () {
          button.textContent = "Copied";
          button.classList.add("done");
          setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
        });
      });
      block.appendChild(button);
    });
    // A region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1).
    document.querySelectorAll(".content pre, .content table, .math.block, .nb-output-item").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth) {
        el.tabIndex = 0;
        if (el.tagName !== "TABLE") {  // a table keeps its own role
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", "Scrollable content");
        }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
