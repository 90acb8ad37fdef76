/* Exit this page, after the GOV.UK Design System component. Our own code: no third parties.
 *
 * Without JavaScript the "Exit this page" links are ordinary links to a neutral website. With it:
 * - selecting a link blanks the page and leaves with location.replace(), so Back does not
 *   return here;
 * - pressing Shift 3 times within 5 seconds does the same. Shift pressed together with another
 *   key (capital letters, Shift+Tab) does not count, and any other key starts the count again.
 * Progress is announced through the polite live region #exit-this-page-status.
 */
(function () {
  "use strict";

  var links = document.querySelectorAll("a[data-exit-this-page]");
  if (!links.length || !window.location || !document.body) {
    return;
  }

  var exitUrl = links[0].href;
  var status = document.getElementById("exit-this-page-status");
  var WINDOW_MS = 5000;
  var presses = 0;
  var timer = null;
  var shiftDown = false;
  var combined = false;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function stopTimer() {
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
  }

  function expire() {
    stopTimer();
    if (presses > 0) {
      presses = 0;
      say("Exit this page expired.");
    }
  }

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    stopTimer();
    var overlay = document.createElement("div");
    overlay.className = "exit-this-page-overlay";
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    document.body.appendChild(overlay);
    document.title = "Loading";
    window.location.replace(exitUrl);
  }

  function onKeyDown(event) {
    if (event.key === "Shift") {
      if (!event.repeat) {
        shiftDown = true;
        combined = false;
      }
      return;
    }
    if (shiftDown) {
      combined = true;
    }
  }

  function onKeyUp(event) {
    if (event.key !== "Shift") {
      expire();
      return;
    }
    var counts = shiftDown && !combined;
    shiftDown = false;
    combined = false;
    if (!counts) {
      expire();
      return;
    }
    presses += 1;
    if (presses >= 3) {
      presses = 0;
      leave(null);
      return;
    }
    if (presses === 1) {
      timer = window.setTimeout(expire, WINDOW_MS);
      say("Shift, press 2 more times to exit.");
    } else {
      say("Shift, press 1 more time to exit.");
    }
  }

  for (var i = 0; i < links.length; i += 1) {
    links[i].addEventListener("click", leave);
  }
  document.addEventListener("keydown", onKeyDown, true);
  document.addEventListener("keyup", onKeyUp, true);
})();
