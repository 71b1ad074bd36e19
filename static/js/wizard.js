// The call wizard in the browser: tabs, close, the call timer, the ringer, desktop
// notifications and keyboard shortcuts. State always comes from the server's fragments; this
// file only reacts to what is in the page.
(function () {
  "use strict";

  var container = function () { return document.getElementById("call-wizards"); };

  // --- tabs, fold and close -------------------------------------------------------------
  function selectTab(tab, focus) {
    var main = tab.closest(".wizard-main");
    main.querySelectorAll("[data-tab]").forEach(function (t) {
      t.setAttribute("aria-selected", String(t === tab));
      t.tabIndex = t === tab ? 0 : -1;
    });
    main.querySelectorAll("[data-panel]").forEach(function (panel) {
      panel.hidden = panel.dataset.panel !== tab.dataset.tab;
      if (!panel.hidden && window.htmx) htmx.trigger(panel, "intersect");
    });
    if (focus) tab.focus();
  }

  function setFolded(wizard, folded) {
    wizard.classList.toggle("folded", folded);
    var button = wizard.querySelector("[data-collapse-wizard]");
    if (button) {
      button.setAttribute("aria-expanded", String(!folded));
      button.setAttribute("aria-label", folded ? "Unfold this call" : "Fold this call away");
      button.title = folded ? "Unfold" : "Fold away";
    }
  }

  // One card open at a time: unfolding a call folds the others to their head and buttons, so
  // every call stays in view and usable however many there are.
  function toggleFold(wizard) {
    var unfold = wizard.classList.contains("folded");
    if (unfold) {
      document.querySelectorAll("#call-wizards .wizard").forEach(function (other) {
        if (other !== wizard) setFolded(other, true);
      });
    }
    setFolded(wizard, !unfold);
  }

  // A closed wizard leaves a hidden stub with the ids of its regions, so the pushes still on their
  // way for that call (its hang-up, a note saved in another tab) land somewhere instead of
  // making htmx report "oobErrorNoTarget".
  function closeWizard(wizard) {
    var stub = document.createElement("div");
    stub.id = wizard.id;
    stub.hidden = true;
    stub.className = "wizard-closed";
    stub.dataset.call = wizard.dataset.call;
    wizard.querySelectorAll("[id]").forEach(function (el) {
      var empty = document.createElement("div");
      empty.id = el.id;
      stub.appendChild(empty);
    });
    var hadFocus = wizard.contains(document.activeElement);
    wizard.replaceWith(stub);
    if (hadFocus) returnFocus();
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest(".wizard [data-tab]");
    if (tab) { selectTab(tab, false); return; }
    var fold = event.target.closest("[data-collapse-wizard]");
    if (fold) { toggleFold(fold.closest(".wizard")); return; }
    var close = event.target.closest("[data-close-wizard]");
    if (close) closeWizard(close.closest(".wizard"));
  });

  // Arrow keys move between a wizard's tabs (the WAI-ARIA tabs pattern).
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest(".wizard [data-tab]");
    if (!tab || ["ArrowLeft", "ArrowRight", "Home", "End"].indexOf(event.key) < 0) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[data-tab]"));
    var i = tabs.indexOf(tab);
    var next = { ArrowLeft: i - 1, ArrowRight: i + 1, Home: 0, End: tabs.length - 1 }[event.key];
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
    event.preventDefault();
  });

  // The server closes a wizard (hang-up with "close on hang-up") by an out-of-band delete. A
  // wizard that is already on the page (the push and the reconnect's re-fetch crossed) is kept,
  // with whatever is being typed in it, rather than shown twice.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target, fragment = event.detail.fragment;
    if (target.id === "call-wizards" && fragment && fragment.querySelectorAll) {
      fragment.querySelectorAll(".wizard").forEach(function (wizard) {
        if (document.getElementById(wizard.id)) wizard.remove();
      });
    }
    // Only the hang-up's delete targets a whole wizard out of band (htmx has removed the
    // hx-swap-oob attribute by now, so the empty element is how it is recognised).
    if (target.classList && target.classList.contains("wizard") && fragment && !fragment.firstElementChild) {
      event.detail.shouldSwap = false;
      closeWizard(target);
    }
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

  // --- a new call: announce it, fold the others, move focus to it -------------------------
  var focusBefore = null;
  function returnFocus() {
    var target = focusBefore && document.contains(focusBefore) ? focusBefore : null;
    focusBefore = null;
    var next = document.querySelector("#call-wizards .wizard");
    if (!target && next) target = next;
    if (target) target.focus({ preventScroll: true });
  }
  function typingIn(el) {
    return el && el.closest && el.closest(".wizard") && el.matches("textarea, input, select");
  }
  function arrived(wizard) {
    var announcer = document.getElementById("call-announcer");
    var name = wizard.querySelector(".caller-name"), number = wizard.querySelector(".caller-number");
    var state = wizard.querySelector(".state-badge");
    if (announcer) {
      announcer.textContent = (wizard.querySelector(".wizard-direction").title || "Call") + ": " +
        (name ? name.textContent.trim() : "") + (number && number.textContent.trim() ? ", " + number.textContent.trim() : "") +
        (state ? ". " + state.textContent.trim() + "." : "");
    }
    document.querySelectorAll("#call-wizards .wizard").forEach(function (other) {
      if (other !== wizard) setFolded(other, true);
    });
    var active = document.activeElement;
    if (typingIn(active)) return;  // never pull someone out of the notes they are typing
    if (!active || !active.closest || !active.closest("#call-wizards")) focusBefore = active;
    wizard.focus({ preventScroll: true });
  }

  // The wizards sit below the header whatever its height (it wraps on a phone).
  function measureHeader() {
    var header = document.querySelector(".app-header");
    if (header) document.documentElement.style.setProperty("--header-h", header.offsetHeight + "px");
  }
  window.addEventListener("resize", measureHeader);

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
      // Ask first: a caller held longer than the company allows is pointed out (transfer region).
      var hold = el.closest("[data-nudge-after]");
      var late = !!hold && (until - since) / 1000 >= Number(hold.dataset.nudgeAfter || 0);
      if (hold && hold.classList.contains("nudge") !== late) hold.classList.toggle("nudge", late);
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
        prompt.innerHTML = '<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg> Click to enable the ring sound';
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
      if (!wizard._arrived) { wizard._arrived = true; arrived(wizard); }
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
    measureHeader();
    if (!root) return;
    new MutationObserver(update).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-state"] });
    setInterval(tick, 1000);
    update();
  });
})();
