// Small behaviours shared by every page, wired by data attributes so that no page needs inline
// script (the Content Security Policy allows scripts from this site only).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    const print = event.target.closest("[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
      return;
    }
    const checkAll = event.target.closest("[data-check-all]");
    if (checkAll) {
      document.querySelectorAll(checkAll.dataset.checkAll).forEach(function (box) {
        box.checked = checkAll.checked;
      });
    }
    const selectable = event.target.closest("[data-select-on-click]");
    if (selectable && typeof selectable.select === "function") {
      selectable.select();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) {
      event.target.form.requestSubmit();
    }
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    // a long action: disable the button and show its spinner so the click is visibly taken
    const busy = form.querySelector("[data-busy-label]");
    if (busy) {
      busy.disabled = true;
      const spinner = busy.querySelector(".spinner-border");
      if (spinner) spinner.classList.remove("d-none");
      const label = busy.querySelector(".label");
      if (label) label.textContent = busy.dataset.busyLabel;
    }
  });
})();
