// Small behaviours declared in the HTML with data- attributes, so that no template needs an
// inline handler or script (the Content-Security-Policy allows neither).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var remover = event.target.closest("[data-remove-closest]");
    if (remover) {
      var gone = remover.closest(remover.dataset.removeClosest);
      if (gone) gone.remove();
    }
    var emptier = event.target.closest("[data-empty-closest]");
    if (emptier) {
      var region = emptier.closest(emptier.dataset.emptyClosest);
      if (region) region.innerHTML = "";
    }
  });

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // <audio data-error-shows="#id">: reveal the explanation when the media fails to load.
  // Media errors do not bubble, hence the capture phase.
  document.addEventListener(
    "error",
    function (event) {
      var selector = event.target.dataset && event.target.dataset.errorShows;
      var note = selector && document.querySelector(selector);
      if (note) note.hidden = false;
    },
    true
  );

  // <el data-announce="event-name">: when htmx loads it, tell the page (e.g. lists that refresh).
  document.addEventListener("htmx:load", function (event) {
    var name = event.target.dataset && event.target.dataset.announce;
    if (name) document.body.dispatchEvent(new CustomEvent(name));
  });

  // <nav data-current-follows-request>: the link whose htmx request succeeded becomes current.
  document.addEventListener("htmx:afterRequest", function (event) {
    var nav = event.target.closest && event.target.closest("[data-current-follows-request]");
    if (!nav || !event.detail.successful || !event.target.matches("a")) return;
    nav.querySelectorAll("a").forEach(function (a) { a.removeAttribute("aria-current"); });
    event.target.setAttribute("aria-current", "page");
  });
})();
