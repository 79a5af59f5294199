// The review queue: tick every request on the page at once, and keep the count in view.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (!form) return;
  var pageBox = document.getElementById("select-page");
  var allMatching = document.getElementById("all-matching");
  var count = document.getElementById("selected-count");
  var rows = Array.prototype.slice.call(form.querySelectorAll("input.row-select"));
  var texts = {
    none: count ? count.textContent : "",
    some: form.dataset.selectedText || "{n} selected",
  };
  function update() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    if (pageBox) {
      pageBox.checked = rows.length > 0 && ticked === rows.length;
      pageBox.indeterminate = ticked > 0 && ticked < rows.length;
    }
    if (!count) return;
    if (allMatching && allMatching.checked) {
      count.textContent = allMatching.parentNode.textContent.trim();
    } else {
      count.textContent = ticked ? texts.some.replace("{n}", String(ticked)) : texts.none;
    }
  }
  if (pageBox) {
    pageBox.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = pageBox.checked; });
      update();
    });
  }
  rows.forEach(function (box) { box.addEventListener("change", update); });
  if (allMatching) {
    allMatching.addEventListener("change", function () {
      if (allMatching.checked) rows.forEach(function (box) { box.checked = true; });
      update();
    });
  }
  // The reason matters only for a rejection: shown when "Reject" is chosen.
  var decision = document.getElementById("decision");
  var reason = document.getElementById("reason-field");
  function showReason() {
    if (decision && reason) reason.hidden = decision.value !== "reject";
  }
  if (decision) decision.addEventListener("change", showReason);
  showReason();
  update();
})();
