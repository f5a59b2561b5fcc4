/* The dispatch slip: the print button opens the print dialog, and a slip opened straight after
   a one-touch dispatch (data-autoprint) prints itself once. No inline script: CSP. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (!button) { return; }
    event.preventDefault();
    window.print();
  });
  window.addEventListener("load", function () {
    if (document.querySelector("[data-autoprint]")) {
      window.setTimeout(function () { window.print(); }, 300);
    }
  });
})();
