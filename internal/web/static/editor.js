// Live preview for the topics editor: after typing stops, post the form to
// the preview endpoint and swap the result in. A suggestion's Apply button
// puts its edit into the text (not the file) and previews again. Without
// this script the Preview and Apply buttons do the same with a full page
// load.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  var text = document.getElementById("text");
  var out = document.getElementById("preview");
  var status = document.getElementById("apply-status");
  if (!form || !text || !out || !window.fetch) return;
  var timer = null, seq = 0;
  function body(extra) {
    var b = new URLSearchParams(new FormData(form));
    if (extra) b.set(extra[0], extra[1]);
    return b;
  }
  function run() {
    var mine = ++seq;
    fetch("/admin/topics/preview", {
      method: "POST", body: body(), credentials: "same-origin",
      headers: { "X-Preview-Only": "1" }
    }).then(function (r) { return r.text(); }).then(function (html) {
      if (mine === seq) out.innerHTML = html; // the server escapes every value
    }).catch(function () {});
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 600);
  });
  out.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-apply]");
    if (!btn) return;
    ev.preventDefault();
    btn.disabled = true;
    fetch("/admin/topics/apply", {
      method: "POST", body: body(["apply", btn.value]), credentials: "same-origin",
      headers: { "X-Apply-Only": "1" }
    }).then(function (r) {
      return r.text().then(function (t) { return { ok: r.ok, text: t }; });
    }).then(function (res) {
      if (!res.ok) {
        if (status) status.textContent = "Not applied: " + res.text;
        btn.disabled = false;
        return;
      }
      var edit = btn.parentNode.querySelector("code.change");
      text.value = res.text;
      if (status) status.textContent = "Applied in the text: " + (edit ? edit.textContent : "the suggestion") + ". Not saved yet.";
      clearTimeout(timer);
      run();
    }).catch(function () { btn.disabled = false; });
  });
})();
