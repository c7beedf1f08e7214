/* For a page embedding the iframe variant of the "Tin liên quan" widget: each iframe marked
   data-ns-related takes the height its list reports (widget-frame.js), so five items show
   whole at any width. Without this script the iframe keeps its own height attribute. */
(function () {
  "use strict";
  window.addEventListener("message", function (e) {
    var h = e.data && e.data.nsRelatedHeight;
    if (typeof h !== "number" || !(h > 0 && h < 5000)) { return; }
    var frames = document.querySelectorAll("iframe[data-ns-related]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) { frames[i].style.height = h + "px"; }
    }
  });
})();
