// Live preview for the topics editor: after typing stops, post the form to
// the preview endpoint and swap the result in. Without this script the
// Preview button does the same with a full page load.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var text = document.getElementById("text");
  var out = document.getElementById("preview");
  if (!form || !text || !out || !window.fetch) return;
  var timer = null, seq = 0;
  function run() {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    fetch("/admin/topics/preview", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Preview-Only": "1" }
    }).then(function (r) { return r.text(); }).then(function (html) {
      if (mine === seq) out.innerHTML = html; // the server escapes every value
    }).catch(function () {});
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 600);
  });
})();
