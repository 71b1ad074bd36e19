// Live updates: the page's websocket carries HTML fragments that htmx swaps in by id.
// Channel layers deliver at most once, so whenever the socket (re)opens we re-fetch the live
// regions; while it is closed the phone icon says the connection is lost.
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

  function refreshLiveRegions() {
    var icon = document.getElementById("phone-icon");
    if (icon && window.htmx) {
      htmx.ajax("GET", phoneIconUrl(), { target: "#phone-icon", swap: "outerHTML" });
    }
    var wizards = document.getElementById("call-wizards");
    if (wizards && window.htmx) {
      var have = Array.prototype.map.call(wizards.querySelectorAll(".wizard"), function (el) {
        return el.dataset.call;
      });
      var url = document.body.dataset.liveCallsUrl + "?have=" + have.join(",");
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

  document.addEventListener("htmx:wsOpen", refreshLiveRegions);
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
