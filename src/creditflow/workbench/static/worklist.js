// The worklist's keys: j / k move to the next / previous item, "/" to the filters.
// Served from the package (no CDN); without it, Tab and the access keys still work.
(function () {
  "use strict";
  function links() { return Array.prototype.slice.call(document.querySelectorAll("a.item-link")); }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) { return; }
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "j" || event.key === "k") {
      if (!all.length) { return; }
      var next = event.key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
      all[next].focus();
      all[next].closest("tr").scrollIntoView({ block: "nearest" });
      event.preventDefault();
    } else if (event.key === "/") {
      var first = document.getElementById("filter-type");
      if (first) { first.focus(); event.preventDefault(); }
    }
  });
}());
