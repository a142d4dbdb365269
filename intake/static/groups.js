/* The session register: one key per participant. 1 marks present, 2 absent, and the next participant is
   focused. Without scripts the radio buttons work as they are. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var row = event.target.closest && event.target.closest("[data-register]");
    if (!row || event.altKey || event.ctrlKey || event.metaKey || (event.key !== "1" && event.key !== "2")) return;
    var inputs = row.querySelectorAll("input[type=radio]");
    var input = inputs[+event.key - 1];
    if (!input) return;
    event.preventDefault();
    input.checked = true;
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-register]"));
    var next = rows[rows.indexOf(row) + 1];
    if (next) {
      (next.querySelector("input:checked") || next.querySelector("input")).focus();
    } else {
      var save = document.querySelector("form.register button[type=submit]");
      if (save) save.focus();
    }
  });
}());
