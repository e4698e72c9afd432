// The web page works without this script (a plain form POST). With it:
// Ctrl+Enter (or Cmd+Enter) in the text box sends the form, and the link
// to a result can be copied with one button.
"use strict";
(function () {
  const form = document.getElementById("paste");
  const trace = document.getElementById("trace");
  const keys = document.getElementById("keys");
  if (form && trace) {
    if (keys) keys.textContent = "or Ctrl+Enter in the text box";
    trace.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
  }
  const copy = document.getElementById("copy-link");
  const link = document.getElementById("share-link");
  if (copy && link && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(link.href).then(
        () => { copy.textContent = "Copied"; },
        () => { copy.textContent = "Copy failed: use the link's menu"; });
    });
  }
})();
