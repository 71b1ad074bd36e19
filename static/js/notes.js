// Call notes shared live between a user's tabs. Each save posts the version the text was edited
// from; the server refuses an edit of older text (the state line then shows both texts and lets
// the person choose) and pushes every save to all the user's tabs, where a box nobody is typing
// in takes the new text at once.
(function () {
  "use strict";

  var TAB = Math.random().toString(36).slice(2, 12);

  // Only a real notes box: a closed wizard leaves an empty stand-in under the same ids (wizard.js).
  function box(callId) {
    var found = document.getElementById("call-" + callId + "-note-text");
    return found && found.matches("[data-note-text]") ? found : null;
  }
  function callIdOf(el) { var m = /^call-(\d+)-/.exec(el.id || ""); return m ? m[1] : null; }
  function savedText(textarea) {
    return textarea.dataset.saved !== undefined ? textarea.dataset.saved : textarea.defaultValue;
  }

  function count(textarea) {
    var label = textarea.closest("[data-note-box]").querySelector("[data-note-count]");
    if (!label) return;
    var max = Number(textarea.maxLength), used = textarea.value.length;
    label.textContent = used.toLocaleString("en-US") + " / " + max.toLocaleString("en-US") + " characters" + (used >= max ? " (limit reached)" : "");
    label.classList.toggle("at-limit", used >= max);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-note-text]")) count(event.target);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-note-text]")) return;
    event.detail.parameters.version = elt.dataset.version || "0";
    event.detail.parameters.tab = TAB;
    elt.dataset.sending = event.detail.parameters.text !== undefined ? event.detail.parameters.text : elt.value;
  });

  // The answer to this tab's save replaced the state line: the saved version becomes the base.
  // (A pushed state line is another tab's save: the sync element says what it means here.)
  function stateChanged(state) {
    var textarea = box(callIdOf(state));
    var body = state.querySelector(".note-state-body");
    if (!textarea || !body || state.querySelector("[data-note-conflict]")) return;
    var version = Number(body.dataset.version || 0);
    if (textarea.dataset.sending !== undefined && version >= Number(textarea.dataset.version || 0)) {
      textarea.dataset.saved = textarea.dataset.sending;
      delete textarea.dataset.sending;
      textarea.dataset.version = String(version);
    }
  }

  // Another tab saved: take its text unless this box holds unsaved typing (then the next save
  // of this box meets the conflict and the person chooses).
  function synced(sync) {
    var textarea = box(callIdOf(sync));
    if (!textarea) return;
    var version = Number(sync.dataset.version || 0);
    if (version <= Number(textarea.dataset.version || 0)) return;
    var text = sync.textContent;
    var clean = textarea.value === savedText(textarea) || textarea.value === text;
    if (sync.dataset.tab === TAB || clean) {
      if (sync.dataset.tab !== TAB || textarea.value === text) textarea.value = text;
      textarea.dataset.saved = text;
      textarea.dataset.version = String(version);
      count(textarea);
    }
  }

  function swapped(event) {
    var elt = event.detail && (event.detail.elt || event.target);
    if (!elt || !elt.matches) return;
    if (elt.matches("[data-note-sync]")) synced(elt);
  }
  document.addEventListener("htmx:oobAfterSwap", swapped);
  // A conflict on screen waits for the person's choice: another tab's "Saved" line, pushed a
  // moment later, must not hide it (their choice re-checks against the newest version anyway).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches(".note-state") && target.querySelector("[data-note-conflict]")) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var state = event.detail.target;
    if (state && state.id && /-note-state$/.test(state.id)) stateChanged(state);
  });

  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-note-keep]");
    if (!choice) return;
    var state = choice.closest(".note-state");
    var textarea = box(callIdOf(state));
    if (!textarea) return;
    textarea.dataset.version = choice.dataset.version;
    if (choice.dataset.noteKeep === "theirs") {
      var theirs = state.querySelector(".note-theirs");
      textarea.value = !theirs ? "" : theirs.dataset.text !== undefined ? theirs.dataset.text : theirs.textContent;
      textarea.dataset.saved = textarea.value;
      count(textarea);
      state.innerHTML = '<span class="note-state-body" data-version="' + choice.dataset.version + '">Showing the newer notes.</span>';
      textarea.focus();
    } else {
      htmx.ajax("POST", textarea.getAttribute("hx-post"), {
        source: textarea, target: "#" + state.id, swap: "innerHTML", select: "#" + state.id + " > *",
        values: { text: textarea.value },
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-note-text]").forEach(count);
  });
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    if (root && root.querySelectorAll) root.querySelectorAll("[data-note-text]").forEach(count);
  });
})();
