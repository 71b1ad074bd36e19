// The callback queue live: pushes carry the header badge and each item's card (swapped by id);
// a new or removed item comes as a nudge (#callback-refresh), and the queue page then reloads its
// list over HTTP with its own filter. The heartbeat carries the queue's version, so a lost push
// is repaired within a beat (telephony/callbacks/live.py).
(function () {
  "use strict";

  function reloadList() {
    var list = document.getElementById("callback-list");
    if (list && window.htmx) htmx.ajax("GET", list.dataset.url, { target: "#callback-list", swap: "outerHTML" });
  }

  function reloadBadge() {
    var badge = document.getElementById("callback-badge");
    if (badge && window.htmx) htmx.ajax("GET", badge.dataset.badgeUrl, { target: "#callback-badge", swap: "outerHTML" });
  }

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "callback-refresh") reloadList();
  });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    if (typeof message !== "string" || message.indexOf('id="live-beat"') < 0) return;
    var holder = document.createElement("template");
    holder.innerHTML = message.trim();
    var beat = holder.content.firstElementChild;
    var badge = document.getElementById("callback-badge");
    if (!beat || !badge || !beat.dataset.callbacks) return;
    if (beat.dataset.callbacks !== badge.dataset.version) {
      reloadBadge();
      reloadList();
    }
  });
})();
