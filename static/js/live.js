// Live updates: the page's websocket carries HTML fragments that htmx swaps in by id.
// Channel layers deliver at most once, so whenever the socket (re)opens we re-fetch the live
// regions; while it is closed the phone icon says the connection is lost. The server also sends
// a heartbeat with the versions of the icon and the live wizards (telephony/live/consumers.py).
(function () {
  "use strict";

  // Every tab of a user gets every push (the call wizard, the sync progress line…); a fragment
  // for a region this page does not show is dropped before htmx swaps, instead of htmx logging
  // "oobErrorNoTarget" for it. Only socket messages pass here (htmx requests have an xhr).
  htmx.defineExtension("live-targets", {
    transformResponse: function (text, xhr) {
      if (xhr) return text;
      var holder = document.createElement("template");
      holder.innerHTML = text;
      var dropped = false;
      Array.prototype.slice.call(holder.content.children).forEach(function (child) {
        if (child.id && !document.getElementById(child.id)) { child.remove(); dropped = true; }
      });
      return dropped ? holder.innerHTML : text;
    },
  });

  function phoneIconUrl() {
    return document.body.dataset.phoneIconUrl;
  }

  // Re-sync the live regions over HTTP (the icon and every wizard): on every socket (re)open, on
  // a heartbeat that shows a version this tab does not have, and while heartbeats are missing.
  var lastRefresh = 0;
  function refreshLiveRegions() {
    lastRefresh = Date.now();
    fetchLiveRegions();
  }

  function fetchLiveRegions() {
    var icon = document.getElementById("phone-icon");
    if (icon && window.htmx) {
      htmx.ajax("GET", phoneIconUrl(), { target: "#phone-icon", swap: "outerHTML" });
    }
    var wizards = document.getElementById("call-wizards");
    if (wizards && window.htmx) {
      var have = Array.prototype.map.call(wizards.querySelectorAll(".wizard"), function (el) {
        return el.dataset.call;
      });
      var url = document.body.dataset.liveCallsUrl + "?have=" + have.join(",") +
        "&closed=" + Object.keys(dismissed).join(",");
      htmx.ajax("GET", url, { target: "#call-wizards", swap: "none" });
    }
  }

  function showDisconnected() {
    var icon = document.getElementById("phone-icon");
    if (!icon || icon.dataset.state === "hidden") return;
    icon.classList.remove("phone-listening");
    icon.classList.add("phone-not-listening", "phone-disconnected");
    var button = icon.querySelector(".phone-button");
    if (button) {
      button.title = "RingCentral: Connection to Arcadium lost. Reconnecting…";
      button.setAttribute("aria-label", button.title);
    }
  }

  // Wizards the user closed stay closed: a re-sync counts them as present.
  var dismissed = {};
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-wizard]");
    var wizard = close && close.closest(".wizard");
    if (wizard) dismissed[wizard.dataset.call] = true;
  }, true);

  // --- heartbeat: the server's versions of what this tab shows ----------------------------
  var LIVE_STATES = { dialling: 1, ringing: 1, on_call: 1, on_hold: 1 };
  var beatEvery = 5000, lastBeat = Date.now();

  function parseBeat(html) {
    var box = document.createElement("template");
    box.innerHTML = html.trim();
    var beat = box.content.firstElementChild;
    return beat && beat.id === "live-beat" ? beat.dataset : null;
  }

  function stale(beat) {
    var icon = document.getElementById("phone-icon");
    if (icon && beat.phone && icon.dataset.version !== beat.phone) return true;
    var wizards = document.getElementById("call-wizards");
    if (!wizards) return false;
    var listed = {};
    (beat.calls || "").split(" ").forEach(function (pair) {
      if (!pair) return;
      var parts = pair.split(":");
      listed[parts[0]] = parts[1];
    });
    for (var id in listed) {
      if (dismissed[id]) continue;
      var status = document.getElementById("call-" + id + "-status");
      if (!status || status.dataset.version !== listed[id]) return true;
    }
    var shown = wizards.querySelectorAll(".wizard-status");
    for (var i = 0; i < shown.length; i++) {
      var callId = shown[i].id.replace(/^call-|-status$/g, "");
      if (LIVE_STATES[shown[i].dataset.state] && !(callId in listed)) return true;
    }
    return false;
  }

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var message = event.detail.message;
    if (typeof message !== "string" || message.indexOf('id="live-beat"') < 0) return;
    var beat = parseBeat(message);
    if (!beat) return;
    event.preventDefault();  // nothing to swap: it only carries versions
    var missed = Date.now() - lastBeat > 2.5 * beatEvery;
    lastBeat = Date.now();
    beatEvery = (parseInt(beat.every, 10) || 5) * 1000;
    if (missed || (stale(beat) && Date.now() - lastRefresh > 3000)) refreshLiveRegions();
  });

  // No heartbeat for a while: the socket is half-dead or the server is down. Say so, and keep
  // re-syncing over HTTP, which works without the socket.
  setInterval(function () {
    if (Date.now() - lastBeat > 2.5 * beatEvery) {
      showDisconnected();
      if (Date.now() - lastRefresh > 10000) refreshLiveRegions();
    }
  }, 1000);

  // Reconnect within 10 s whatever the number of attempts (the extension's own backoff grows to 64 s).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      htmx.config.wsReconnectDelay = function (retries) {
        return Math.min(1000 * Math.pow(2, retries), 10000) * (0.5 + Math.random() / 2);
      };
    }
  });

  document.addEventListener("htmx:wsOpen", function () {
    lastBeat = Date.now();
    refreshLiveRegions();
  });
  document.addEventListener("htmx:wsClose", showDisconnected);
  document.addEventListener("htmx:wsError", showDisconnected);

  // Close the settings panel with Escape or a click outside it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var panel = document.getElementById("phone-panel");
      if (panel) panel.innerHTML = "";
    }
  });
  document.addEventListener("click", function (event) {
    var panel = document.getElementById("phone-panel");
    if (!panel || !panel.innerHTML.trim()) return;
    if (!event.target.closest("#phone-panel") && !event.target.closest("#phone-icon")) panel.innerHTML = "";
  });
})();
