// Gatehouse Portal: progressive enhancement only. Every page works without
// this file; it adds the avatar's load state and a live session countdown.
(function () {
  "use strict";

  // Avatar: show the initials when the picture is missing or fails to load
  // (CSS already shows them under a broken image; this also marks the state
  // for tests and assistive styling).
  function settle(img) {
    var box = img.closest(".avatar");
    if (!box) return;
    if (img.complete && img.naturalWidth === 0) {
      box.setAttribute("data-avatar-state", "fallback");
    } else if (img.complete) {
      box.setAttribute("data-avatar-state", "loaded");
    }
  }
  function watchAvatars() {
    document.querySelectorAll("img[data-avatar]").forEach(function (img) {
      img.addEventListener("load", function () { settle(img); });
      img.addEventListener("error", function () {
        var box = img.closest(".avatar");
        if (box) box.setAttribute("data-avatar-state", "fallback");
      });
      settle(img);
    });
  }

  // Session countdown: keep "Session: N left" true while the page is open.
  function words(ms) {
    if (ms <= 0) return "expired";
    var min = Math.floor(ms / 60000);
    if (min < 1) return "less than a minute";
    var h = Math.floor(min / 60), m = min % 60;
    var hs = h === 1 ? "1 hour" : h + " hours", ms2 = m === 1 ? "1 minute" : m + " minutes";
    if (h === 0) return ms2;
    return m === 0 ? hs : hs + " " + ms2;
  }
  function tick() {
    document.querySelectorAll("[data-session-ends]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-session-ends"));
      var t = el.querySelector("time");
      if (!isNaN(end) && t) t.textContent = words(end - Date.now());
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchAvatars();
    tick();
    setInterval(tick, 30000);
  });
})();
