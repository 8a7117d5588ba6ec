// Pay page: keep the payment status up to date while the provider is still working.
(function () {
  "use strict";
  var box = document.getElementById("payment-status");
  if (!box) { return; }
  var text = document.getElementById("payment-status-text");
  var waiting = ["open", "pending"];
  var tries = 0;
  function poll() {
    if (waiting.indexOf(box.getAttribute("data-state")) < 0 || tries++ > 150) { return; }
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.status !== box.getAttribute("data-state")) {
          box.setAttribute("data-state", status.status);
          box.className = "status status-" + status.status;
          text.textContent = status.text;
          if (status.status === "paid") { window.setTimeout(function () { window.location.reload(); }, 1500); return; }
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 2000);
})();
