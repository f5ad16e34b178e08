// Live preview in the message template admin: posts the body to the preview URL and shows the
// text a citizen would receive, filled with sample data, plus any placeholder problems.
(function () {
  "use strict";
  function init() {
    var body = document.getElementById("id_body");
    var target = document.getElementById("template-live-preview");
    if (!body || !target) return;
    var url = target.dataset.url;
    var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("body", body.value);
      fetch(url, {method: "POST", body: data, headers: {"X-CSRFToken": csrf ? csrf.value : ""}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { target.innerHTML = html; });
    }
    body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
