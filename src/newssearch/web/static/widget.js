/* newssearch "Tin liên quan" widget. Embed:
 *   <script src="https://HOST/widget.js" data-article="ID" data-count="5" async></script>
 * Options: data-title="Đọc thêm" (the heading; default "Tin liên quan"); data-link="local"
 * to link our article pages (default: each article's original page, ours when it has none).
 * Draws a related-articles box where the tag stands, in a Shadow DOM (the host page's CSS
 * neither reaches in nor is touched). Text is always inserted as text. Several tags on one
 * page work. When the service is down, the id unknown or the list empty, nothing is drawn
 * and nothing is retried. No dependencies, no cookies.
 */
(function () {
  "use strict";
  var DONE = "data-ns-related";
  var CSS = [
    ":host{all:initial!important;display:block!important;margin:12px 0!important;}",
    ".box{all:initial;display:block;box-sizing:border-box;max-width:100%;padding:10px 12px;",
    "border-top:3px solid #b3261e;background:#fff;color:#1a1a1a;",
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;text-align:left}",
    "h2{all:initial;display:block;margin:0 0 6px;font-family:inherit;font-size:16px;",
    "font-weight:700;line-height:1.3;color:#b3261e}",
    "ul{all:initial;display:block;margin:0;padding:0;list-style:none}",
    "li{all:initial;display:block;padding:6px 0;border-bottom:1px solid #eee;",
    "font-family:inherit;font-size:15px;line-height:1.45;color:#1a1a1a}",
    "li:last-child{border-bottom:0}",
    "a{all:initial;cursor:pointer;font-family:inherit;font-size:15px;font-weight:600;",
    "line-height:1.45;color:#1a1a1a;text-decoration:none}",
    "a:hover,a:focus{color:#b3261e;text-decoration:underline}",
    "small{all:initial;display:block;font-family:inherit;font-size:12px;color:#666}"
  ].join("");

  function baseOf(script) {
    try { return new URL(script.src, document.baseURI).origin; } catch (e) { return null; }
  }

  function day(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? m[3] + "/" + m[2] + "/" + m[1] : "";
  }

  function web(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function el(doc, tag, text) {
    var node = doc.createElement(tag);
    if (text) { node.textContent = text; }
    return node;
  }

  function draw(script, base, items) {
    var title = (script.getAttribute("data-title") || "").trim().slice(0, 80) || "Tin liên quan";
    var local = script.getAttribute("data-link") === "local";
    var host = document.createElement("div");
    host.className = "ns-related-widget";
    var root = host.attachShadow({mode: "open"});
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);  // not an inline style: passes a host's strict style-src
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el(document, "style", CSS));
    }
    var box = el(document, "section");
    box.className = "box";
    box.setAttribute("aria-label", title);
    box.appendChild(el(document, "h2", title));
    var list = el(document, "ul");
    items.forEach(function (item) {
      if (!item || typeof item.id !== "string" || typeof item.title !== "string") { return; }
      var li = el(document, "li");
      var a = el(document, "a", item.title);
      a.href = (!local && web(item.url)) || base + "/article/" + encodeURIComponent(item.id);
      li.appendChild(a);
      var meta = [item.source_name || item.source, day(item.published)].filter(Boolean);
      if (meta.length) { li.appendChild(el(document, "small", meta.join(" · "))); }
      list.appendChild(li);
    });
    if (!list.firstChild) { return; }
    box.appendChild(list);
    root.appendChild(box);
    if (script.parentNode) { script.parentNode.insertBefore(host, script.nextSibling); }
  }

  function load(script) {
    var id = script.getAttribute("data-article");
    var base = baseOf(script);
    if (!id || !base || !window.fetch) { return; }
    var k = Math.min(10, Math.max(1, parseInt(script.getAttribute("data-count"), 10) || 5));
    var url = base + "/api/articles/" + encodeURIComponent(id) + "/related?k=" + k;
    fetch(url, {mode: "cors", credentials: "omit"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && Array.isArray(data.items) && data.items.length) {
          draw(script, base, data.items);
        }
      })
      .catch(function () { /* service down: draw nothing */ });
  }

  var scripts = [];
  if (document.currentScript) { scripts.push(document.currentScript); }
  var tags = document.querySelectorAll("script[data-article][src]");
  for (var i = 0; i < tags.length; i++) {
    if (/\/widget\.js(\?|#|$)/.test(tags[i].src)) { scripts.push(tags[i]); }
  }
  scripts.forEach(function (s) {
    if (s.hasAttribute(DONE)) { return; }
    s.setAttribute(DONE, "1");
    load(s);
  });
})();
