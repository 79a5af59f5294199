// Letter settings: the specimen follows the text being typed (a second after the last key),
// rendered by the server from the unsaved text; nothing is saved until "Save".
(function () {
  "use strict";
  var form = document.getElementById("settings-form");
  var pages = document.getElementById("specimen-pages");
  var state = document.getElementById("specimen-state");
  if (!form || !pages || !window.fetch) return;
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    state.textContent = state.dataset.textUpdating;
    fetch(form.dataset.specimenUrl, { method: "POST", body: new FormData(form) })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== asked) return;  // a later edit is on its way
        if (answer.problem) {
          state.textContent = answer.problem;
          return;
        }
        var images = pages.querySelectorAll("img");
        answer.pages.forEach(function (src, index) {
          var image = images[index];
          if (!image) {
            image = document.createElement("img");
            image.alt = images[0] ? images[0].alt.replace(/\d+$/, String(index + 1)) : "";
            pages.appendChild(image);
          }
          image.src = src;
        });
        for (var i = answer.pages.length; i < images.length; i++) images[i].remove();
        state.textContent = state.dataset.textCurrent;
      })
      .catch(function () { state.textContent = ""; });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 1000);
  });
})();
