// Gatehouse admin centre: progressive enhancement only. Every page works
// without this file; it adds copy buttons next to ids and secrets.
(function () {
  "use strict";

  function announce(button, text) {
    var live = document.getElementById("copy-status");
    if (live) live.textContent = text;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    setTimeout(function () { button.textContent = label; }, 1500);
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = (target.value !== undefined ? target.value : target.textContent).trim();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { announce(button, "Copied"); },
        function () { announce(button, "Copy failed"); });
      return;
    }
    announce(button, "Copy failed");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { copy(b); });
    });
  });
})();
