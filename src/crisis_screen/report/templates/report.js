(function () {
  "use strict";
  var search = document.getElementById("filter");
  var flaggedOnly = document.getElementById("flagged-only");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#ranking tbody tr"));
  function apply() {
    var q = search.value.toLowerCase();
    var shown = 0;
    rows.forEach(function (row) {
      var match = row.getAttribute("data-source").toLowerCase().indexOf(q) !== -1;
      var flagOk = !flaggedOnly.checked || row.getAttribute("data-flagged") === "true";
      var visible = match && flagOk;
      row.classList.toggle("hidden", !visible);
      var section = document.getElementById(row.getAttribute("data-target"));
      if (section) { section.classList.toggle("hidden", !visible); }
      if (visible) { shown += 1; }
    });
    document.getElementById("shown").textContent = String(shown);
  }
  search.addEventListener("input", apply);
  flaggedOnly.addEventListener("change", apply);
  apply();
})();
