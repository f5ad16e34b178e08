/* Attachment viewer of the application page: thumbnails, zoom (buttons, keys, two-finger pinch),
 * rotate, PDFs inline, and the verifier's keyboard shortcuts (J/K files, 1-4 verdicts, R rotate,
 * +/- zoom, 0 fit, U full size). A photo opens in its screen version (long side 1280 px, a quarter
 * of the bytes); "Ukuran asli" loads the full file in its place, at the same size on screen.
 * Plain JS, no library. PDFs are framed; the file response itself carries a CSP sandbox. */
(function () {
  "use strict";

  var root = document.querySelector("[data-viewer]");
  if (!root) return;
  var items = Array.prototype.slice.call(root.querySelectorAll("[data-viewer-item]"));
  var stage = root.querySelector("[data-viewer-stage]");
  var canvas = root.querySelector("[data-viewer-canvas]");
  var img = root.querySelector("[data-viewer-image]");
  var pdf = root.querySelector("[data-viewer-pdf]");
  var title = root.querySelector("[data-viewer-title]");
  var subtitle = root.querySelector("[data-viewer-subtitle]");
  var counter = root.querySelector("[data-viewer-counter]");
  var openLink = root.querySelector("[data-viewer-open]");
  var downloadLink = root.querySelector("[data-viewer-download]");
  var imageTools = root.querySelector("[data-image-tools]");
  var fullButton = root.querySelector("[data-viewer-full]");
  var checklistForm = document.querySelector("[data-checklist-form]");

  var state = { index: -1, zoom: 1, fit: true, rotation: 0 };
  var currentRequirement = null;

  function layout() {
    if (!img || img.hidden || !img.naturalWidth) return;
    var turned = state.rotation % 180 !== 0;
    var naturalW = turned ? img.naturalHeight : img.naturalWidth;
    var naturalH = turned ? img.naturalWidth : img.naturalHeight;
    if (state.fit) {
      var pad = 24;
      state.zoom = Math.min((stage.clientWidth - pad) / naturalW, (stage.clientHeight - pad) / naturalH, 1.5);
    }
    var w = img.naturalWidth * state.zoom;
    var h = img.naturalHeight * state.zoom;
    var boxW = turned ? h : w;
    var boxH = turned ? w : h;
    canvas.style.width = boxW + "px";
    canvas.style.height = boxH + "px";
    img.style.width = w + "px";
    img.style.height = h + "px";
    img.style.transform = "translate(" + (boxW - w) / 2 + "px," + (boxH - h) / 2 + "px) rotate(" + state.rotation + "deg)";
  }

  function show(index) {
    if (!items.length) return;
    index = (index + items.length) % items.length;
    var item = items[index];
    state.index = index;
    state.rotation = 0;
    state.fit = true;
    items.forEach(function (el, i) {
      el.classList.toggle("is-active", i === index);
      el.setAttribute("aria-current", i === index ? "true" : "false");
    });
    document.querySelectorAll("[data-show-item]").forEach(function (el) {
      el.classList.toggle("is-active", el.dataset.showItem === item.dataset.id);
    });
    item.scrollIntoView({ block: "nearest", inline: "nearest" });
    title.textContent = item.dataset.title;
    subtitle.textContent = item.dataset.caption + (item.classList.contains("is-replaced") ? " · diganti" : "");
    counter.textContent = index + 1 + " / " + items.length;
    openLink.href = item.dataset.full;
    downloadLink.href = item.dataset.full + "?unduh=1";
    var hasScreen = item.dataset.src !== item.dataset.full;
    fullButton.hidden = !hasScreen || item.dataset.kind === "pdf";
    fullButton.setAttribute("aria-pressed", "false");
    if (item.dataset.kind === "pdf") {
      img.hidden = true;
      canvas.hidden = true;
      pdf.hidden = false;
      if (pdf.getAttribute("src") !== item.dataset.src) pdf.src = item.dataset.src;
      imageTools.classList.add("d-none");
    } else {
      pdf.hidden = true;
      pdf.removeAttribute("src");
      canvas.hidden = false;
      img.hidden = false;
      img.alt = item.dataset.caption + ": " + item.dataset.title;
      imageTools.classList.remove("d-none");
      if (img.getAttribute("src") !== item.dataset.src) {
        img.onload = layout;
        img.src = item.dataset.src;
      } else {
        layout();
      }
    }
    setRequirement(item.dataset.req || null);
  }

  function setRequirement(reqId) {
    currentRequirement = reqId;
    document.querySelectorAll("[data-req-row]").forEach(function (row) {
      row.classList.toggle("is-current", row.dataset.reqRow === reqId);
    });
  }

  function zoomBy(factor) {
    state.fit = false;
    state.zoom = Math.max(0.1, Math.min(8, state.zoom * factor));
    layout();
  }

  function rotate(delta) {
    state.rotation = (state.rotation + delta + 360) % 360;
    layout();
  }

  function fit() { state.fit = true; layout(); }

  // the full file in place of the screen version, keeping the size on screen and the rotation
  function showFullSize() {
    var item = items[state.index];
    if (!item || fullButton.hidden || img.getAttribute("src") === item.dataset.full) return;
    var shownWidth = img.naturalWidth * state.zoom;
    img.onload = function () {
      if (!state.fit && img.naturalWidth) state.zoom = shownWidth / img.naturalWidth;
      layout();
    };
    img.src = item.dataset.full;
    fullButton.setAttribute("aria-pressed", "true");
  }

  // two-finger pinch on the stage zooms the photo (the stage's touch-action leaves one-finger
  // panning to the browser and keeps the page itself from zooming instead)
  var pinch = null;
  function spread(touches) {
    return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
  }
  stage.addEventListener("touchstart", function (event) {
    if (event.touches.length === 2 && !img.hidden) pinch = { start: spread(event.touches), zoom: state.zoom };
  }, { passive: true });
  stage.addEventListener("touchmove", function (event) {
    if (!pinch || event.touches.length !== 2) return;
    event.preventDefault();
    state.fit = false;
    state.zoom = Math.max(0.1, Math.min(8, pinch.zoom * spread(event.touches) / pinch.start));
    layout();
  }, { passive: false });
  stage.addEventListener("touchend", function (event) { if (event.touches.length < 2) pinch = null; });
  stage.addEventListener("touchcancel", function () { pinch = null; });

  var VERDICTS = { "1": "ok", "2": "missing", "3": "unreadable", "4": "invalid" };
  function setVerdict(key) {
    if (!checklistForm || !currentRequirement) return false;
    var radio = checklistForm.querySelector("#v" + currentRequirement + "_" + VERDICTS[key]);
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    if (VERDICTS[key] === "invalid" || VERDICTS[key] === "unreadable") {
      var reason = checklistForm.querySelector("[name=reason_" + currentRequirement + "]");
      if (reason && !reason.value) reason.focus();
    }
    return true;
  }

  items.forEach(function (el, i) { el.addEventListener("click", function () { show(i); }); });
  document.querySelectorAll("[data-show-item]").forEach(function (el) {
    el.addEventListener("click", function () {
      var i = items.findIndex(function (it) { return it.dataset.id === el.dataset.showItem; });
      if (i >= 0) { show(i); if (window.innerWidth < 1200) root.scrollIntoView({ behavior: "smooth" }); }
    });
  });
  // clicking a checklist row makes it the target of 1-4 (for a requirement with no file at all)
  document.querySelectorAll("[data-req-row]").forEach(function (row) {
    row.addEventListener("focusin", function () { setRequirement(row.dataset.reqRow); });
    row.addEventListener("click", function () { setRequirement(row.dataset.reqRow); });
  });

  function on(selector, handler) {
    var el = root.querySelector(selector);
    if (el) el.addEventListener("click", handler);
  }
  on("[data-viewer-prev]", function () { show(state.index - 1); });
  on("[data-viewer-next]", function () { show(state.index + 1); });
  on("[data-viewer-zoom-in]", function () { zoomBy(1.25); });
  on("[data-viewer-zoom-out]", function () { zoomBy(0.8); });
  on("[data-viewer-fit]", fit);
  on("[data-viewer-rotate]", function () { rotate(90); });
  on("[data-viewer-rotate-left]", function () { rotate(-90); });
  on("[data-viewer-full]", showFullSize);
  window.addEventListener("resize", function () { if (state.fit) layout(); });

  // fill buttons (common reject reasons) put their text into a textarea
  document.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.querySelector(button.dataset.fill);
      if (target) { target.value = button.dataset.text; target.focus(); }
    });
  });

  // live preview of the citizen's message while the revision list is edited
  document.querySelectorAll("[data-preview-of]").forEach(function (span) {
    var source = document.querySelector(span.dataset.previewOf);
    if (source) source.addEventListener("input", function () { span.textContent = source.value; });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    var tag = t && t.tagName;
    if (tag === "INPUT" && t.type !== "radio" && t.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
    var handled = true;
    switch (event.key) {
      case "j": case "J": show(state.index + 1); break;
      case "k": case "K": show(state.index - 1); break;
      case "r": rotate(90); break;
      case "R": rotate(-90); break;
      case "+": case "=": zoomBy(1.25); break;
      case "-": case "_": zoomBy(0.8); break;
      case "0": fit(); break;
      case "u": case "U": showFullSize(); break;
      case "1": case "2": case "3": case "4": handled = setVerdict(event.key); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  if (items.length) show(0);
})();
