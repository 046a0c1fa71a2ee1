// The dark-mode toggle (the choice persists), copy buttons on code blocks, and keyboard access to
// regions that scroll sideways. No third-party code; the page works without it.
(function () {
  var root = document.documentElement;
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function current() {
    return root.dataset.theme || (dark && dark.matches ? "dark" : "light");
  }
  function setupToggle() {
    var toggle = document.querySelector(".theme-toggle");
    if (!toggle) return;
    var sync = function () { toggle.setAttribute("aria-pressed", String(current() === "dark")); };
    sync();
    if (dark && dark.addEventListener) dark.addEventListener("change", sync);
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("journey-theme", next); } catch (e) { /* private mode: this page only */ }
      sync();
    });
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }
  function setupCopy() {
    document.querySelectorAll(".content div.highlight").forEach(function (block) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to the clipboard");
      button.addEventListener("click", function () {
        copyText(block.querySelector("pre").innerText).then(function () {
          button.textContent = "Copied";
          button.classList.add("done");
          setTimeout(function () { button.textContent = "Copy"; button.classList.remove("done"); }, 1500);
        }, function () { button.textContent = "Select and copy"; });
      });
      block.appendChild(button);
    });
  }
  // A region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1).
  function markScrollable() {
    document.querySelectorAll(".content pre, .content table, .math.block, .nb-output-item").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        el.tabIndex = 0;
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", "Scrollable " + (el.tagName === "TABLE" ? "table" : "content"));
      }
    });
  }
  function start() { setupToggle(); setupCopy(); markScrollable(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
