// The organizer's check-in screen shows the code of the minute: reload the page when the
// code changes (or check-in opens or closes). The element with data-refresh-in says when,
// in seconds; without it the page stays as it is.
(function () {
  "use strict";
  var holder = document.querySelector("[data-refresh-in]");
  if (!holder) {
    return;
  }
  var seconds = parseInt(holder.getAttribute("data-refresh-in"), 10);
  if (seconds > 0) {
    window.setTimeout(function () {
      window.location.reload();
    }, seconds * 1000);
  }
})();
