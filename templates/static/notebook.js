// Notebook posts: "Show all" on long code cells, and a lightbox that shows a figure at full size.
// The lightbox is a modal <dialog>: Escape closes it, focus returns to the figure's link.
(function () {
  function showAll(button) {
    var long = button.closest(".nb-long");
    var open = long.classList.toggle("nb-open");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Show less" : button.dataset.label;
  }
  function lightbox() {
    var dialog = document.createElement("dialog");
    dialog.className = "nb-lightbox";
    dialog.setAttribute("aria-label", "Figure at full size");
    dialog.innerHTML = '<img alt=""><form method="dialog"><span class="nb-lightbox-caption"></span><button type="submit">Close</button></form>';
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    document.body.appendChild(dialog);
    return dialog;
  }
  function start() {
    document.querySelectorAll(".nb-show-all").forEach(function (button) {
      button.dataset.label = button.textContent;
      button.addEventListener("click", function () { showAll(button); });
    });
    var dialog = null, opener = null;
    document.querySelectorAll("a.nb-zoom").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || !window.HTMLDialogElement) return;
        event.preventDefault();
        if (!dialog) {
          dialog = lightbox();
          dialog.addEventListener("close", function () { if (opener) opener.focus(); });
        }
        var shown = link.querySelector("img"), big = dialog.querySelector("img");
        var caption = link.closest("figure") && link.closest("figure").querySelector("figcaption");
        big.src = link.getAttribute("href");
        big.alt = shown.alt;
        big.style.background = link.classList.contains("nb-dark") ? "none" : "";
        dialog.querySelector(".nb-lightbox-caption").textContent = caption ? caption.textContent : shown.alt;
        opener = link;
        dialog.showModal();
        dialog.querySelector("button").focus();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
