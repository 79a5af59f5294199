// Keeps a batch page current while its letters are issued: the bar, the count, the time
// left and each row's state, from a small JSON answer polled every second. Reloads the page
// when the batch ends, for the download button.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.dataset.status === "done" || job.dataset.status === "waiting") return;
  var bar = document.getElementById("job-bar");
  var count = document.getElementById("job-count");
  var eta = document.getElementById("job-eta");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[id^='item-']"));
  function firstUnfinished() {
    // Rows already shown issued are not asked for again: the answer stays small.
    for (var i = 0; i < rows.length; i++) {
      if (!rows[i].dataset.done) return i;
    }
    return rows.length;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }
  function duration(seconds) {
    if (seconds >= 90) return fill(job.dataset.textMinutes, { n: Math.round(seconds / 60) });
    return fill(job.dataset.textSeconds, { n: Math.max(1, seconds) });
  }
  function badge(className, text) {
    var span = document.createElement("span");
    span.className = "badge " + className;
    span.textContent = text;
    return span;
  }
  function showRow(row) {
    var tr = document.getElementById("item-" + row.position);
    if (!tr) return;
    if (row.state === "issued") tr.dataset.done = "1";
    var state = tr.querySelector("td.state");
    var number = tr.querySelector("td.number");
    state.textContent = "";
    if (row.state === "issued") {
      state.appendChild(badge("green", job.dataset.textIssued));
      var link = document.createElement("a");
      link.href = row.url;
      link.textContent = row.number;
      number.textContent = "";
      number.appendChild(link);
    } else if (row.state === "waiting") {
      state.appendChild(badge("red", row.problem));
    } else {
      state.appendChild(badge("grey", job.dataset.textQueued));
    }
  }
  function poll() {
    var url = job.dataset.progressUrl + "?from=" + firstUnfinished();
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.issued;
        count.textContent = fill(job.dataset.textProgress, state);
        if (eta) {
          eta.textContent = state.seconds_left === null
            ? job.dataset.textEstimating
            : fill(job.dataset.textLeft, { time: duration(state.seconds_left) });
        }
        state.rows.forEach(showRow);
        if (state.status === "done" || state.status === "waiting") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
