/* Intake page: show the checklist of the chosen document type, the "other" urgency reason, a desa
 * filter, and the live duplicate warning (POST, so the NIK never appears in a URL). */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  if (!form) return;

  var typeSelect = form.querySelector("#id_document_type");
  var hint = document.getElementById("no-type-hint");

  function showChecklist() {
    var chosen = typeSelect.value;
    form.querySelectorAll("fieldset[data-doc-type]").forEach(function (fs) {
      var on = fs.dataset.docType === chosen;
      fs.hidden = !on;
      fs.disabled = !on; // inputs of other types are not sent
    });
    if (hint) hint.hidden = Boolean(chosen);
  }
  if (typeSelect) {
    typeSelect.addEventListener("change", function () { showChecklist(); checkDuplicates(); });
    showChecklist();
  }

  // "other" urgency needs a reason; the field is shown only then
  var urgency = form.querySelector("#id_urgency");
  var reasonBox = document.getElementById("urgency-reason");
  function showReason() {
    if (!urgency || !reasonBox) return;
    var other = urgency.value === "other";
    reasonBox.hidden = !other;
    var input = reasonBox.querySelector("input");
    if (input) input.required = other;
  }
  if (urgency) { urgency.addEventListener("change", showReason); showReason(); }

  // desa filter: hides options (and empty kecamatan groups) that do not match
  var filter = document.getElementById("desa-filter");
  var desa = form.querySelector("#id_desa");
  if (filter && desa) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      var firstMatch = null;
      desa.querySelectorAll("optgroup").forEach(function (group) {
        var groupHit = group.label.toLowerCase().indexOf(needle) !== -1;
        var any = false;
        group.querySelectorAll("option").forEach(function (opt) {
          var hit = !needle || groupHit || opt.textContent.toLowerCase().indexOf(needle) !== -1;
          opt.hidden = !hit;
          if (hit) { any = true; if (!firstMatch) firstMatch = opt; }
        });
        group.hidden = !any;
      });
      if (needle && firstMatch && (desa.selectedIndex <= 0 || desa.options[desa.selectedIndex].hidden)) {
        desa.value = firstMatch.value;
      }
    });
  }

  // live duplicate check
  var nik = form.querySelector("#id_nik");
  var box = document.getElementById("duplicate-warning");
  var confirmBox = document.getElementById("confirm-duplicate");
  var url = form.dataset.duplicateUrl;
  var pending = null;
  function checkDuplicates() {
    if (!nik || !typeSelect || !box || !url) return;
    var digits = nik.value.replace(/[\s.\-]/g, "");
    if (digits.length !== 16 || !typeSelect.value) { box.innerHTML = ""; if (confirmBox) confirmBox.hidden = true; return; }
    if (pending) pending.abort();
    pending = new AbortController();
    var body = new FormData();
    body.append("nik", digits);
    body.append("document_type", typeSelect.value);
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        box.innerHTML = html;
        if (confirmBox) confirmBox.hidden = !box.querySelector(".alert");
      })
      .catch(function () { /* offline or aborted: the server checks again on submit */ });
  }
  if (nik) { nik.addEventListener("change", checkDuplicates); nik.addEventListener("blur", checkDuplicates); }
})();
