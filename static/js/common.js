// Small behaviours shared by every page, wired by data attributes so that no page needs inline
// script (the Content Security Policy allows scripts from this site only).
//
//   data-print                 click: print the page
//   data-check-all="<css>"     checkbox: tick or untick every box matching the selector
//   data-select-on-click       click: select the field's text (an address to copy)
//   data-autosubmit            change: submit the field's form
//   form[data-confirm="…"]     submit: ask first; nothing is sent when the user says no
//   [data-busy-label="…"]      a long action: on a submit button, disabled with its spinner and
//                              this label until the next page comes; on a link, the same until
//                              the next page comes or, for a link with `download`, until the file
//                              has arrived (fetched here, so the wait can be shown)
//   data-width="42"            a progress bar's width in percent, also in content htmx swaps in
//                              (set through element.style: the policy refuses style="" attributes)
(function () {
  "use strict";

  // Mark a button or link as working: disabled for clicks and for screen readers, spinner shown,
  // label replaced. Returns a function that puts everything back.
  const restores = new Map();

  function setBusy(control) {
    const spinner = control.querySelector(".spinner-border");
    const label = control.querySelector(".label");
    const before = { label: label ? label.textContent : null, disabled: control.disabled };
    if (control.tagName === "BUTTON" || control.tagName === "INPUT") control.disabled = true;
    control.classList.add("is-busy");
    control.setAttribute("aria-busy", "true");
    control.setAttribute("aria-disabled", "true");
    if (spinner) spinner.classList.remove("d-none");
    if (label && control.dataset.busyLabel) label.textContent = control.dataset.busyLabel;
    function restore() {
      restores.delete(control);
      if (control.tagName === "BUTTON" || control.tagName === "INPUT") control.disabled = before.disabled;
      control.classList.remove("is-busy");
      control.removeAttribute("aria-busy");
      control.removeAttribute("aria-disabled");
      if (spinner) spinner.classList.add("d-none");
      if (label && before.label !== null) label.textContent = before.label;
    }
    restores.set(control, restore);
    return restore;
  }

  function fileName(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) return decodeURIComponent(star[1]);
    const plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  // A download the server takes a while to build: fetch it while the link shows it is working,
  // then hand the file to the browser. A failure is said next to the link, in the page's language.
  function download(link) {
    const restore = setBusy(link);
    const old = link.parentElement && link.parentElement.querySelector(":scope > .download-error");
    if (old) old.remove();
    fetch(link.href, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        const name = fileName(response, link.getAttribute("download") || "unduhan");
        return response.blob().then(function (blob) {
          const url = URL.createObjectURL(blob);
          const save = document.createElement("a");
          save.href = url;
          save.download = name;
          save.hidden = true;
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        });
      })
      .catch(function () {
        const note = document.createElement("span");
        note.className = "download-error small text-danger ms-2";
        note.setAttribute("role", "alert");
        note.textContent = link.dataset.errorLabel || "Unduhan gagal. Silakan coba lagi.";
        link.insertAdjacentElement("afterend", note);
      })
      .finally(restore);
  }

  document.addEventListener("click", function (event) {
    const print = event.target.closest("[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
      return;
    }
    const busyLink = event.target.closest("a[href][data-busy-label]");
    if (busyLink && !event.defaultPrevented && event.button === 0 &&
        !(event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)) {
      if (busyLink.getAttribute("aria-busy") === "true") {
        event.preventDefault(); // already working: a second click would only start it again
        return;
      }
      if (busyLink.hasAttribute("download")) {
        event.preventDefault();
        download(busyLink);
      } else {
        setBusy(busyLink);
      }
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
    if (event.defaultPrevented) return; // handled in the page (htmx, a check that failed)
    // a long action: disable the button and show its spinner so the click is visibly taken
    const busy = (event.submitter && event.submitter.matches("[data-busy-label]") && event.submitter) ||
      form.querySelector("[data-busy-label]");
    // after this event the browser collects the form's values, and a disabled button's name/value
    // would be left out: disable it just after
    if (busy) setTimeout(function () { setBusy(busy); }, 0);
  });

  // A form sent back with errors: put the focus on the error summary, or else on the first field in
  // error, so a screen reader reads the message out (the field's aria-describedby points at it) and
  // a keyboard user starts where the fix is needed.
  const problem = document.querySelector(
    "main [data-error-summary], main :is(input, select, textarea)[aria-invalid='true']"
  );
  if (problem) {
    problem.focus();
  }

  function applyWidths(root) {
    const bars = Array.from(root.querySelectorAll("[data-width]"));
    if (root.matches && root.matches("[data-width]")) bars.push(root);
    bars.forEach(function (bar) {
      const percent = Math.min(100, Math.max(0, parseFloat(bar.dataset.width) || 0));
      bar.style.width = percent + "%";
    });
  }
  applyWidths(document);
  document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });

  // Back to a page from the browser's history cache: nothing is working any more.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) Array.from(restores.values()).forEach(function (restore) { restore(); });
  });
})();
