// Poll the submission's status and update the progress bar; reload when it is finished.
// No inline script (strict CSP): the page names the status URL in data-status-url.
(function () {
  "use strict";
  var panel = document.querySelector("[data-status-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var text = panel.querySelector("[data-progress-text]");
  var fallback = document.querySelector("[data-refresh-link]");
  if (fallback) { fallback.hidden = true; }

  function show(state) {
    if (bar) { bar.value = state.percent; }
    if (text) {
      text.textContent = state.status_label + ": " + state.records_read.toLocaleString("en-GB") +
        " records read" + (state.records_expected ? " (" + state.percent + "%)" : "");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.finished) { window.location.assign(state.url); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        if (fallback) { fallback.hidden = false; }
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 500);
})();
