// The browser phone ("Answer in browser"): this browser registers with RingCentral as the user's
// WebPhone device through the vendored ringcentral-web-phone package.
//
// One registration per browser, not per tab (RingCentral allows five per user): the tab holding
// the Web Lock "arcadium-webphone" runs the phone; the other tabs follow it over a
// BroadcastChannel (its state and its calls) and hand their wizard buttons to it. When that tab
// closes the browser gives the lock to another tab, which registers again with the same
// instanceId (kept in localStorage), so RingCentral sees the same contact, not a new one.
// Call state in the wizards still comes only from RingCentral's telephony events over the live
// socket (live.js), so every tab and the history agree whoever pressed the button.
(function () {
  "use strict";

  var LOCK = "arcadium-webphone";
  var KEYS = { instance: "arcadium-webphone-instance", input: "arcadium-webphone-input", output: "arcadium-webphone-output" };
  var REGISTER_TIMEOUT = 15000, RETRY_AFTER = 30000;
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("arcadium-webphone") : null;

  var wanted = false;       // the header icon says "Answer in browser"
  var leader = false;       // this tab holds the lock and runs the phone
  var lockAbort = null;     // cancels a lock request still waiting
  var releaseLock = null;   // gives the lock (and the phone) up
  var phone = null;         // the registered WebPhone (leader only)
  var leaderCalls = [];     // follower: the telephony sessions the leader's phone has
  var state = { name: "starting" };
  var retryTimer = null, refreshTimer = null;

  // --- what the header says ----------------------------------------------------------------
  var BLOCKED_HELP = "Arcadium needs your microphone to answer calls here. Click the icon at the left of the " +
    "address bar, set Microphone to Allow, then reload this page.";
  var LABELS = {
    starting: "Phone starting…",
    ready: "Phone ready",
    blocked: "Microphone blocked",
    nomic: "No microphone",
    refused: "Phone refused",
    unavailable: "Phone unavailable",
  };

  function box() { return document.getElementById("webphone-state"); }

  function render() {
    var el = box();
    if (!el) return;
    var offering = !wanted && state.name === "offer";
    el.hidden = !wanted && !offering;
    el.querySelector("[data-webphone-offer]").hidden = !offering;
    el.querySelector("[data-webphone-offer-no]").hidden = !offering;
    el.querySelector(".webphone-dot").hidden = offering;
    el.dataset.state = state.name;
    var label = el.querySelector("[data-webphone-label]"), help = el.querySelector("[data-webphone-help]");
    label.textContent = offering ? "" : LABELS[state.name] || state.name;
    help.textContent = state.help || "";
    el.querySelector("[data-webphone-help-box]").hidden = !state.help || state.name === "ready" || hiddenHelp === state.help;
    el.title = (LABELS[state.name] || "") + (state.help ? ". " + state.help : "");
    var summary = document.querySelector("#phone-panel [data-webphone-summary]");
    if (summary) summary.textContent = el.title;
  }

  // A problem's explanation stays under the header until the person hides it (the pill keeps it
  // as its tooltip); a new problem shows again.
  var hiddenHelp = null;
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-webphone-help-close]")) return;
    hiddenHelp = state.help;
    render();
  });

  function show(name, help) {
    state = { name: name, help: help || "" };
    render();
    tellFollowers();
  }

  function tellFollowers() {
    if (leader && channel) channel.postMessage({ type: "state", state: state, calls: sessionIds() });
  }

  // RingCentral's refusals in words a person can act on.
  function code(error) {
    return (String((error && error.message) || error || "").match(/SIP\/2\.0 (\d{3})/) || [])[1];
  }

  function refusal(error) {
    var status = code(error);
    if (status === "603") {
      return "Calls cannot ring in this browser: RingCentral allows 5 phones per user and yours already has 5 connected (the RingCentral app, " +
        "other browsers or computers). Close one of them, or wait a minute for an old one to expire: this browser tries again every 30 seconds.";
    }
    if (status === "401" || status === "403") {
      return "RingCentral did not accept this browser's phone credentials. Reload the page; if it happens again, authorize RingCentral again.";
    }
    if (status) return "RingCentral refused this browser's phone (SIP " + status + "). Retrying in 30 seconds.";
    return "RingCentral's phone service did not answer. Retrying in 30 seconds.";
  }

  // --- one phone per browser ----------------------------------------------------------------
  function start() {
    if (lockAbort || leader) return;
    show("starting");
    if (!navigator.locks) { becomeLeader(); return; }  // no Web Locks: every tab is its own phone
    lockAbort = new AbortController();
    navigator.locks.request(LOCK, { signal: lockAbort.signal }, function () {
      lockAbort = null;
      return new Promise(function (resolve) {
        releaseLock = resolve;
        becomeLeader();
      });
    }).catch(function () {});  // aborted: the user switched the browser phone off
    if (channel) channel.postMessage({ type: "hello" });
  }

  function stop() {
    if (lockAbort) { lockAbort.abort(); lockAbort = null; }
    clearTimeout(retryTimer);
    clearTimeout(refreshTimer);
    if (leader) {
      var old = phone;
      phone = null;
      leader = false;
      if (channel) channel.postMessage({ type: "gone" });
      if (old) old.dispose().catch(function () {});  // unregisters (expires=0)
    }
    if (releaseLock) { releaseLock(); releaseLock = null; }
    leaderCalls = [];
    render();
  }

  function becomeLeader() {
    leader = true;
    show("starting");
    microphone().then(function (result) {
      if (!leader) return;
      if (result !== "ok") { show(result, result === "blocked" ? BLOCKED_HELP : "Connect a microphone, then reload this page."); return; }
      register();
    });
  }

  function microphone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return Promise.resolve("nomic");
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false }).then(function (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      return "ok";
    }, function (error) {
      return error && error.name === "NotFoundError" ? "nomic" : "blocked";
    });
  }

  function instanceId() {
    var id = localStorage.getItem(KEYS.instance);
    if (!id) {
      id = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
      localStorage.setItem(KEYS.instance, id);
    }
    return id;
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise(function (_, reject) {
      setTimeout(function () { reject(new Error("timeout")); }, ms);
    })]);
  }

  function retryLater(renew) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { if (leader && !phone) register(renew); }, RETRY_AFTER);
  }

  // The credentials are the user's own, asked for over their session and never cached; they
  // stay in this closure and the package (nothing keeps them in storage).
  function register(renew) {
    var url = box().dataset.credentialsUrl + (renew ? "?renew=1" : "");
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!leader) return;
        if (!response.ok) { show("unavailable", body.error || "Arcadium could not get your phone's credentials."); retryLater(); return; }
        var webPhone = new WebPhone({ sipInfo: body.sipInfo, instanceId: instanceId(), deviceManager: deviceManager });
        webPhone.on("inboundCall", follow);
        webPhone.on("outboundCall", follow);
        return withTimeout(webPhone.start(), REGISTER_TIMEOUT).then(function () {
          if (!leader) { webPhone.dispose().catch(function () {}); return; }
          phone = webPhone;
          show("ready", "Calls ring in this browser: answer them in the call wizard.");
          scheduleRefresh(body.refreshInSeconds);
          watchConnection(webPhone);
        }, function (error) {
          closeQuietly(webPhone);
          show(code(error) ? "refused" : "unavailable", refusal(error));
          retryLater(!code(error));  // the proxy did not answer: RingCentral may name another one
        });
      });
    }).catch(function () {
      show("unavailable", "Arcadium could not be reached. Retrying in 30 seconds.");
      retryLater();
    });
  }

  // The package does not reconnect: when its socket closes (network, RingCentral's side, a
  // re-registration left unanswered), say so and register again with the same instanceId.
  function watchConnection(webPhone) {
    webPhone.sipClient.wsc.addEventListener("close", function () {
      if (phone !== webPhone) return;  // disposed on purpose
      phone = null;
      show("unavailable", "The browser phone lost its connection to RingCentral. Reconnecting…");
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { if (leader && !phone) register(true); }, 3000);
    });
  }

  function closeQuietly(webPhone) {
    try { webPhone.sipClient.disposed = true; webPhone.sipClient.wsc.close(); } catch (e) { /* never opened */ }
  }

  // Fresh credentials before the old ones lapse: register again (same instanceId) between calls.
  function scheduleRefresh(seconds) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function again() {
      if (!leader || !phone) return;
      if (phone.callSessions.length) { refreshTimer = setTimeout(again, 60000); return; }
      var old = phone;
      phone = null;
      old.dispose().catch(function () {}).then(register);
    }, Math.max(60, seconds || 3600) * 1000);
  }

  // --- calls -----------------------------------------------------------------------------------
  function sessionIds() {
    return phone ? phone.callSessions.map(function (call) { return call.sessionId; }).filter(Boolean) : [];
  }

  function follow(call) {
    ["answered", "disposed", "failed", "ringing"].forEach(function (name) { call.on(name, tellFollowers); });
    tellFollowers();
  }

  // RingCentral's ids on the SIP call (`p-rc-api-ids`) join it to the wizard's call: the session,
  // and our party in it when the wizard knows it already.
  function findCall(sessionId, partyId) {
    if (!phone || !sessionId) return null;
    return phone.callSessions.filter(function (call) {
      return call.sessionId === sessionId && (!partyId || !call.partyId || call.partyId === partyId);
    }).pop() || null;
  }

  // A wizard button on this browser's call. Hang-up of a call still ringing declines it (its
  // promise waits for a CANCEL it may never match, so it is not awaited).
  function act(sessionId, partyId, action, done) {
    var call = findCall(sessionId, partyId);
    if (!call) return false;
    var run = {
      answer: function () { return call.answer(); },
      hangup: function () {
        if (call.state === "answered") return call.hangup();
        if (call.direction === "inbound") { call.decline(); return Promise.resolve(); }
        return call.cancel();
      },
      mute: function () { return call.mute(); },
      unmute: function () { return call.unmute(); },
      hold: function () { return call.hold(); },
      unhold: function () { return call.unhold(); },
    }[action];
    if (!run) return false;
    Promise.resolve().then(run).then(function () { tellFollowers(); if (done) done(); }, function (error) {
      showError(sessionId, "The browser phone could not " + action.replace("hangup", "hang up") + " this call: " + (error.message || error));
    });
    return true;
  }

  function showError(sessionId, text) {
    document.querySelectorAll('.wizard-controls[data-browser-call="' + sessionId + '"] .wizard-error').forEach(function (el) {
      el.textContent = text;
    });
  }

  function relay(sessionId, partyId, action) {
    if (!channel || leaderCalls.indexOf(sessionId) < 0) return false;
    channel.postMessage({ type: "act", sessionId: sessionId, partyId: partyId, action: action });
    return true;
  }

  // Captured before htmx sees the click: a call this browser holds is driven here. Any other
  // call (not rung here yet, or on another device) keeps the server path, which asks RingCentral
  // to bring it to this browser's device. Mute also goes on to RingCentral so that every tab
  // shows it (a browser's mute is invisible to RingCentral otherwise).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".wizard-controls[data-browser-call] [data-action]");
    if (!button || !wanted) return;
    var controls = button.closest(".wizard-controls");
    var sessionId = controls.dataset.browserCall, partyId = controls.dataset.browserParty;
    var action = button.dataset.action;
    var closeWizards = action === "hangup" ? function () { hungUp(button.getAttribute("hx-post")); } : null;
    var handled = leader ? act(sessionId, partyId, action, closeWizards) : relay(sessionId, partyId, action);
    if (!handled || action === "mute" || action === "unmute") return;
    event.preventDefault();
    event.stopPropagation();
    if (!leader && closeWizards) closeWizards();
  }, true);

  // What the Hang up button does besides hanging up: the server closes the wizard in every tab
  // (if the user wants that); RingCentral's events then end the call in the history.
  function hungUp(url) {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: "done=browser" }).catch(function () {});
  }

  if (channel) {
    channel.onmessage = function (event) {
      var message = event.data || {};
      if (leader) {
        if (message.type === "hello") tellFollowers();
        else if (message.type === "act") act(message.sessionId, message.partyId, message.action);
        else if (message.type === "devices") applyDevices();
        return;
      }
      if (message.type === "state" && wanted) {
        state = message.state;
        leaderCalls = message.calls || [];
        render();
      } else if (message.type === "gone") {
        leaderCalls = [];
      }
    };
  }

  // --- devices -------------------------------------------------------------------------------
  function pick(kind, chosen) {
    return navigator.mediaDevices.enumerateDevices().then(function (devices) {
      var ofKind = devices.filter(function (d) { return d.kind === kind; });
      var found = ofKind.filter(function (d) { return d.deviceId === chosen; })[0] ||
        ofKind.filter(function (d) { return d.deviceId === "default"; })[0] || ofKind[0];
      return found ? found.deviceId : undefined;
    });
  }

  var deviceManager = {
    getInputDeviceId: function () { return pick("audioinput", localStorage.getItem(KEYS.input)); },
    getOutputDeviceId: function () { return pick("audiooutput", localStorage.getItem(KEYS.output)); },
  };

  function applyDevices() {
    if (!phone) return;
    phone.callSessions.forEach(function (call) {
      var input = localStorage.getItem(KEYS.input), output = localStorage.getItem(KEYS.output);
      if (input && call.mediaStream) call.changeInputDevice(input).catch(function () {});
      if (output && call.audioElement && call.audioElement.setSinkId) call.changeOutputDevice(output).catch(function () {});
    });
  }

  function fillDevices(panel) {
    var input = panel.querySelector("[data-webphone-input]"), output = panel.querySelector("[data-webphone-output]");
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      [[input, "audioinput", KEYS.input], [output, "audiooutput", KEYS.output]].forEach(function (row) {
        var select = row[0], chosen = localStorage.getItem(row[2]) || "";
        if (!select) return;
        devices.filter(function (d) { return d.kind === row[1] && d.deviceId !== "default"; }).forEach(function (d, i) {
          var option = document.createElement("option");
          option.value = d.deviceId;
          option.textContent = d.label || (row[1] === "audioinput" ? "Microphone " : "Speaker ") + (i + 1);
          select.appendChild(option);
        });
        select.value = chosen;
        if (select.value !== chosen) select.value = "";
      });
      if (output && !("setSinkId" in HTMLMediaElement.prototype)) {
        output.disabled = true;
        output.title = "This browser plays calls on its default speaker.";
      }
    });
    startMeter(panel);
    render();
  }

  // The input level meter: the chosen microphone's loudness, while the settings are open.
  var meter = null;
  function stopMeter() {
    if (!meter) return;
    clearInterval(meter.timer);
    meter.stream.getTracks().forEach(function (track) { track.stop(); });
    meter.context.close().catch(function () {});
    meter = null;
  }
  function startMeter(panel) {
    stopMeter();
    var level = panel.querySelector("[data-webphone-level]");
    var chosen = localStorage.getItem(KEYS.input);
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!level || !Ctx) return;
    navigator.mediaDevices.getUserMedia({ audio: chosen ? { deviceId: { exact: chosen } } : true }).then(function (stream) {
      var context = new Ctx(), analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      context.createMediaStreamSource(stream).connect(analyser);
      context.resume().catch(function () {});
      var samples = new Float32Array(analyser.fftSize);
      meter = { stream: stream, context: context };
      meter.timer = setInterval(function () {
        if (!document.contains(level)) { stopMeter(); return; }
        analyser.getFloatTimeDomainData(samples);
        var sum = 0;
        for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
        var rms = Math.sqrt(sum / samples.length);
        // Decibels, as people hear loudness: -60 dB (silence) is empty, 0 dB full; speech sits mid-way.
        level.value = Math.max(0, Math.min(1, (20 * Math.log10(rms || 1e-6) + 60) / 60));
        level.dataset.level = rms.toFixed(3);
      }, 100);
    }, function () {
      level.closest(".webphone-field").hidden = true;
    });
  }

  document.addEventListener("change", function (event) {
    var select = event.target;
    var key = select.matches("[data-webphone-input]") ? KEYS.input : select.matches("[data-webphone-output]") ? KEYS.output : null;
    if (!key) return;
    event.stopPropagation();  // a device is this browser's business, not a setting to post
    if (select.value) localStorage.setItem(key, select.value); else localStorage.removeItem(key);
    if (key === KEYS.input) startMeter(select.closest("#phone-panel"));
    if (leader) applyDevices(); else if (channel) channel.postMessage({ type: "devices" });
  }, true);

  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = event.detail.target;
    if (panel && panel.id === "phone-panel" && panel.querySelector("[data-webphone-input]")) fillDevices(panel);
  });

  // --- follow the header icon: it carries the answering mode to every tab ---------------------
  function sync() {
    var icon = document.getElementById("phone-icon");
    var now = !!(icon && icon.dataset.browserPhone === "on" && window.WebPhone);
    if (now && !wanted) { wanted = true; start(); }
    else if (!now && wanted) { wanted = false; stop(); }
    if (!now) adoptDefault(icon);
  }

  // A user who never picked an answering mode answers in the browser once it has the microphone:
  // at once if it was granted already, else the header offers it (the browser then asks).
  function adoptDefault(icon) {
    var el = box();
    if (!el || el.dataset.chooseDefault !== "on" || !icon || icon.dataset.state !== "listening") return;
    if (!navigator.permissions || !navigator.permissions.query || !window.WebPhone) return;
    el.dataset.chooseDefault = "asked";
    navigator.permissions.query({ name: "microphone" }).then(function (permission) {
      if (permission.state === "granted") adopt();
      else if (permission.state === "prompt") { state = { name: "offer" }; render(); }
    }).catch(function () {});
  }

  function adopt(choice) {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    fetch(box().dataset.defaultUrl, {
      method: "POST", credentials: "same-origin", headers: headers, body: choice ? "choice=" + choice : "",
    }).catch(function () {});
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-webphone-offer-no]")) {
      box().dataset.chooseDefault = "off";
      state = { name: "starting" };
      render();
      adopt("keep");
      return;
    }
    if (!event.target.closest("[data-webphone-offer]")) return;
    state = { name: "starting" };
    render();
    microphone().then(function (result) {
      if (result === "ok") adopt();  // the header icon comes back saying "Answer in browser"
    });
  });

  // Measurements of this browser's call, for the people (and tests) checking that audio flows.
  window.arcadiumPhone = {
    role: function () { return leader ? "leader" : wanted ? "follower" : "off"; },
    state: function () { return state.name; },
    calls: function () { return leader ? sessionIds() : leaderCalls.slice(); },
    audioStats: function (sessionId) {
      var call = findCall(sessionId) || (phone && phone.callSessions[phone.callSessions.length - 1]);
      var out = { bytesReceived: 0, bytesSent: 0, audioLevel: 0, playing: false };
      if (!call || !call.rtcPeerConnection) return Promise.resolve(out);
      out.playing = !!call.audioElement && !call.audioElement.paused;
      return call.rtcPeerConnection.getStats().then(function (report) {
        report.forEach(function (s) {
          if (s.type === "inbound-rtp" && s.kind === "audio") { out.bytesReceived = s.bytesReceived; out.audioLevel = s.audioLevel || 0; }
          if (s.type === "outbound-rtp" && s.kind === "audio") out.bytesSent = s.bytesSent;
        });
        return out;
      });
    },
  };

  document.addEventListener("DOMContentLoaded", function () {
    var slot = document.getElementById("header-phone-slot");
    if (slot) new MutationObserver(sync).observe(slot, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-browser-phone", "data-state"] });
    sync();
  });
  // The lock goes with the tab; say so at once so the followers stop relaying to it.
  window.addEventListener("pagehide", function () { if (leader && channel) channel.postMessage({ type: "gone" }); });
})();
