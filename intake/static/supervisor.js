/* Supervisors' reporting: the "Print" button of the monthly report (no inline scripts: the CSP forbids them).
   The button carries class js-only, so without JavaScript it is not shown and the browser's own print is used. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
