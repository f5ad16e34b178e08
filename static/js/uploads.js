/* Drag-and-drop for the file inputs of intake and resubmission, and a list of what was chosen.
 * The server decides what is accepted; this only helps the officer see their choice early. */
(function () {
  "use strict";

  var ACCEPTED = ["image/jpeg", "image/png", "application/pdf"];

  function humanSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1).replace(".", ",") + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function render(zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector(".dropzone-list");
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file, index) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name + " · " + humanSize(file.size);
      li.appendChild(name);
      var problem = "";
      if (maxBytes && file.size > maxBytes) problem = "terlalu besar";
      else if (file.type && ACCEPTED.indexOf(file.type) === -1) problem = "bukan JPEG/PNG/PDF";
      if (problem) {
        var warn = document.createElement("span");
        warn.className = "file-warn";
        warn.textContent = problem;
        li.appendChild(warn);
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-sm btn-link p-0";
      remove.textContent = "hapus";
      remove.setAttribute("aria-label", "Hapus " + file.name);
      remove.addEventListener("click", function () {
        var keep = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f, i) { if (i !== index) keep.items.add(f); });
        input.files = keep.files;
        render(zone);
      });
      li.appendChild(remove);
      list.appendChild(li);
    });
  }

  function setup(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) return;
    input.addEventListener("change", function () { render(zone); });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragover");
      });
    });
    ["dragleave", "dragend"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("is-dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("is-dragover");
      if (input.disabled || !event.dataTransfer || !event.dataTransfer.files.length) return;
      // add to what is already chosen instead of replacing it
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { merged.items.add(f); });
      input.files = merged.files;
      render(zone);
    });
  }

  document.querySelectorAll("[data-dropzone]").forEach(setup);
  // stop a file dropped beside a zone from making the browser leave the page
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });
})();
