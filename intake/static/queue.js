/* The referral queue refreshes by itself: every so often the page's own address is fetched again
   and the live part (#queue-live) replaced when it changed, keeping the focus (by id) and the
   scroll position. A poll is marked (X-Senim-Poll) so it does not count as activity: an idle
   sign-out still happens. Polling stops when the session has ended (the answer is the sign-in page)
   and pauses while the tab is hidden. */
(function () {
  "use strict";
  var live = document.getElementById("queue-live");
  if (!live || !window.fetch || !window.DOMParser) return;
  var url = live.dataset.refresh;
  var seconds = Math.max(10, parseInt(live.dataset.refreshSeconds || "30", 10));
  var timer = null;

  function restoreFocus(id, hadFocus) {
    if (!hadFocus) return;
    var again = id && document.getElementById(id);
    (again || live).focus({ preventScroll: true });
  }

  function refresh() {
    timer = null;
    if (document.hidden) { schedule(); return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Senim-Poll": "1" } }).then(function (answer) {
      if (!answer.ok || answer.redirected) return null;  // signed out, or an error: stop
      return answer.text();
    }).then(function (html) {
      if (html === null || html === undefined) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue-live");
      if (!fresh) return;
      if (fresh.innerHTML !== live.innerHTML) {
        var active = document.activeElement;
        var hadFocus = active && live.contains(active);
        var id = hadFocus ? active.id : null;
        var x = window.scrollX, y = window.scrollY;
        live.innerHTML = fresh.innerHTML;
        restoreFocus(id, hadFocus);
        window.scrollTo(x, y);
      }
      schedule();
    }).catch(function () { schedule(); });  // offline for a moment: try again later
  }

  function schedule() {
    if (timer === null) timer = window.setTimeout(refresh, seconds * 1000);
  }

  schedule();
})();
