/* Inside the iframe variant of the "Tin liên quan" widget: tell the host page how tall the
   list is, so its iframe can fit it (widget-host.js, or the host's own few lines). */
(function () {
  "use strict";
  function post() {
    if (window.parent === window) { return; }
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    window.parent.postMessage({nsRelatedHeight: h}, "*");
  }
  window.addEventListener("load", post);
  window.addEventListener("resize", post);
})();
