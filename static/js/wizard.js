// The call wizard in the browser: tabs, close, the call timer, the ringer, desktop
// notifications and keyboard shortcuts. State always comes from the server's fragments; this
// file only reacts to what is in the page.
(function () {
  "use strict";

  var container = function () { return document.getElementById("call-wizards"); };

  // --- tabs and close -------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var tab = event.target.closest(".wizard [data-tab]");
    if (tab) {
      var main = tab.closest(".wizard-main");
      main.querySelectorAll("[data-tab]").forEach(function (t) {
        t.setAttribute("aria-selected", String(t === tab));
      });
      main.querySelectorAll("[data-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.panel !== tab.dataset.tab;
        if (!panel.hidden && window.htmx) htmx.trigger(panel, "intersect");
      });
      return;
    }
    var close = event.target.closest("[data-close-wizard]");
    if (close) close.closest(".wizard").remove();
  });

  // Reopening from "Recent calls" replaces a wizard already on the page instead of doubling it.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var id = event.detail.elt && event.detail.elt.dataset && event.detail.elt.dataset.reopen;
    if (id) {
      var existing = document.getElementById("call-" + id);
      if (existing) existing.remove();
      var list = document.getElementById("recent-calls");
      if (list) list.remove();
    }
  });

  // --- timer ----------------------------------------------------------------------------
  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function tick() {
    // Write only real changes: the page's MutationObserver sees every write, and a write that
    // always happened would feed it forever.
    document.querySelectorAll(".call-timer").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      var until = el.dataset.running === "1" ? Date.now() : Date.parse(el.dataset.until);
      var text = isNaN(since) || isNaN(until) ? "" : format((until - since) / 1000);
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // --- ringer ---------------------------------------------------------------------------
  var audio = null, ringing = false, ringTimer = null;
  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    return audio;
  }
  function burst(ctx) {
    // North American ring: 440 Hz + 480 Hz, two seconds on, four off.
    var gain = ctx.createGain();
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.18, ctx.currentTime + 0.05);
    gain.gain.setValueAtTime(0.18, ctx.currentTime + 1.9);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 2.0);
    gain.connect(ctx.destination);
    [440, 480].forEach(function (hz) {
      var osc = ctx.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start();
      osc.stop(ctx.currentTime + 2.0);
    });
  }
  function showSoundPrompt(show) {
    document.querySelectorAll(".wizard").forEach(function (wizard) {
      var prompt = wizard.querySelector(".sound-prompt");
      if (show && !prompt && wizard.querySelector('.wizard-status[data-state="ringing"]')) {
        prompt = document.createElement("button");
        prompt.type = "button";
        prompt.className = "sound-prompt";
        prompt.textContent = "🔔 Click to enable the ring sound";
        wizard.querySelector(".wizard-head").after(prompt);
      } else if (!show && prompt) {
        prompt.remove();
      }
    });
  }
  function startRinging() {
    var ctx = audioContext();
    if (!ctx) return;
    ringing = true;
    document.body.dataset.ringing = "1";
    var play = function () {
      if (ctx.state === "running") { burst(ctx); showSoundPrompt(false); }
      else { ctx.resume().catch(function () {}); showSoundPrompt(true); }
    };
    play();
    ringTimer = setInterval(play, 6000);
  }
  function stopRinging() {
    ringing = false;
    delete document.body.dataset.ringing;
    clearInterval(ringTimer);
    showSoundPrompt(false);
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest(".sound-prompt")) {
      var ctx = audioContext();
      if (ctx) ctx.resume().then(function () { showSoundPrompt(false); if (ringing) burst(ctx); });
    }
  });

  // --- desktop notification -----------------------------------------------------------
  var announced = {};
  function announce(wizard) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    var name = wizard.querySelector(".caller-name"), number = wizard.querySelector(".caller-number");
    var note = new Notification("Incoming call", {
      body: (name ? name.textContent.trim() : "") + (number ? "\n" + number.textContent.trim() : ""),
      tag: wizard.id,
    });
    note.onclick = function () { window.focus(); wizard.scrollIntoView(); note.close(); };
  }
  document.addEventListener("click", function askOnce() {
    if ("Notification" in window && Notification.permission === "default" && document.getElementById("call-wizards")) {
      Notification.requestPermission().catch(function () {});
    }
    document.removeEventListener("click", askOnce);
  });

  // --- watch the page -------------------------------------------------------------------
  function update() {
    var anyRinging = false;
    document.querySelectorAll(".wizard").forEach(function (wizard) {
      var status = wizard.querySelector(".wizard-status");
      var isRinging = status && status.dataset.state === "ringing";
      if (isRinging && !announced[wizard.id]) { announced[wizard.id] = true; announce(wizard); }
      if (isRinging && wizard.dataset.ringer === "on") anyRinging = true;
    });
    if (anyRinging && !ringing) startRinging();
    if (!anyRinging && ringing) stopRinging();
    tick();
  }

  document.addEventListener("keydown", function (event) {
    if (!event.altKey) return;
    var action = { a: "answer", h: "hangup" }[event.key.toLowerCase()];
    if (!action) return;
    var button = document.querySelector('.wizard [data-action="' + action + '"]:not([disabled])');
    if (button) { event.preventDefault(); button.click(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var root = container();
    if (!root) return;
    new MutationObserver(update).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-state"] });
    setInterval(tick, 1000);
    update();
  });
})();
