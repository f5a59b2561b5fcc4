/* The hall screen's clock: ticks every second in the station's time zone (no inline script: CSP).
   The server renders the time too, so the screen is right even when this file does not run. */
(function () {
  "use strict";
  function tick() {
    var el = document.getElementById("hall-time");
    if (!el) { return; }
    var zone = el.getAttribute("data-timezone") || undefined;
    try {
      el.textContent = new Intl.DateTimeFormat("zh-CN", {
        hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: zone
      }).format(new Date());
    } catch (e) { /* an unknown zone: keep the server's time */ }
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
  });
})();
