// The intake page without a click: an .eml file dropped anywhere on the
// page goes into the file input of #email-form, which is then submitted.
// Everything works without this script too: the file input and the
// textarea post the same form.
(function () {
  "use strict";
  var form = document.getElementById("email-form");
  var input = document.getElementById("eml");
  var zone = document.getElementById("drop-zone");
  if (!form || !input || typeof DataTransfer === "undefined") {
    return;
  }
  function carriesFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") >= 0;
  }
  function mark(on) {
    if (zone) {
      zone.classList.toggle("dragging", on);
    }
  }
  document.addEventListener("dragover", function (e) {
    if (carriesFiles(e)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      mark(true);
    }
  });
  document.addEventListener("dragleave", function (e) {
    if (!e.relatedTarget) {
      mark(false);
    }
  });
  document.addEventListener("drop", function (e) {
    if (!carriesFiles(e)) {
      return;
    }
    e.preventDefault();
    mark(false);
    var file = e.dataTransfer.files[0];
    if (!file) {
      return;
    }
    var dt = new DataTransfer();
    dt.items.add(file);
    input.files = dt.files;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });
})();
