// Filters the risk-point index by level, type and category, in the browser: the rows
// carry data-level, data-type and data-category; the choice is kept in the address
// (risks.html?level=high&category=XK) so a filtered view can be linked.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#risk-table tbody tr"));
  var shown = document.getElementById("shown");
  var keys = ["level", "type", "category"];
  var params = new URLSearchParams(window.location.search);
  keys.forEach(function (k) {
    var select = form.elements[k];
    var v = params.get(k);
    if (v && Array.prototype.some.call(select.options, function (o) { return o.value === v; })) {
      select.value = v;
    }
  });
  function apply() {
    var want = {};
    keys.forEach(function (k) { want[k] = form.elements[k].value; });
    var n = 0;
    rows.forEach(function (row) {
      var ok = keys.every(function (k) { return !want[k] || row.dataset[k] === want[k]; });
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = "显示 " + n + " 个，共 " + rows.length + " 个";
    var q = new URLSearchParams();
    keys.forEach(function (k) { if (want[k]) { q.set(k, want[k]); } });
    var s = q.toString();
    window.history.replaceState(null, "", s ? "?" + s : window.location.pathname);
  }
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
}());
