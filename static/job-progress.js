// Keeps a batch page's progress bar current, and reloads the page when the batch ends.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.status === "done" || job.dataset.status === "waiting") return;
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-text");
  var template = text.textContent;
  function poll() {
    fetch(job.dataset.progressUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.issued;
        text.textContent = template.replace(/^\d+/, String(state.issued));
        if (state.status === "done" || state.status === "waiting") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
