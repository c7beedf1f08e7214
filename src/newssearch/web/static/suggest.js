/* Autocomplete for the search box from /api/suggest (an ARIA 1.2 combobox with a listbox).
   Two groups: searches (the typed part plain, the completion bold) and articles (their
   titles, opening the article). Keyboard: ArrowDown/ArrowUp move, Enter picks, Escape
   closes. Requests are debounced; without JavaScript the box is a plain GET form. */
(function () {
  "use strict";
  var DELAY_MS = 150;

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var url = input.getAttribute("data-suggest");
    var articleUrl = input.getAttribute("data-article") || "/article/";
    var timer = null, active = -1, items = [], seq = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(i) {
      items.forEach(function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (i >= 0) input.setAttribute("aria-activedescendant", items[i].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function pick(i) {
      var href = items[i].getAttribute("data-href");
      if (href) { close(); window.location.href = href; return; }
      input.value = items[i].textContent;
      close();
      input.form.submit();
    }

    function group(label, cls) {
      var g = document.createElement("li");
      g.setAttribute("role", "group");
      g.setAttribute("aria-label", label);
      g.className = cls;
      var head = document.createElement("span");
      head.className = "suggest-label";
      head.setAttribute("aria-hidden", "true");
      head.textContent = label;
      var ul = document.createElement("ul");
      ul.setAttribute("role", "presentation");
      g.appendChild(head);
      g.appendChild(ul);
      list.appendChild(g);
      return ul;
    }

    function option(parent, fill) {
      var k = items.length;
      var li = document.createElement("li");
      li.id = list.id + "-" + k;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      fill(li);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(k); });
      parent.appendChild(li);
      items.push(li);
    }

    function show(data) {
      list.textContent = "";
      items = [];
      var comps = data.completions || [], arts = data.articles || [];
      if (comps.length) {
        var searches = group("Tìm kiếm", "suggest-searches");
        comps.forEach(function (c) {
          option(searches, function (li) {
            li.appendChild(document.createTextNode(c.text.slice(0, c.typed)));
            var b = document.createElement("b");
            b.textContent = c.text.slice(c.typed);
            li.appendChild(b);
          });
        });
      }
      if (arts.length) {
        var articles = group("Bài viết", "suggest-articles");
        arts.forEach(function (a) {
          option(articles, function (li) {
            li.textContent = a.title;
            li.setAttribute("data-href", articleUrl + encodeURIComponent(a.id).replace(/%2F/g, "/"));
          });
        });
      }
      active = -1;
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function fetchSuggestions() {
      var q = input.value;
      if (!q.trim()) { close(); return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(q) + "&limit=8&articles=3",
            {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (data) {
          if (mine === seq && document.activeElement === input) show(data);
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!items.length) return;
        e.preventDefault();
        var step = e.key === "ArrowDown" ? 1 : -1;
        var next = active + step;  /* -1: back in the box, as typed */
        if (next >= items.length) next = -1;
        if (next < -1) next = items.length - 1;
        highlight(next);
      } else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        pick(active);
      } else if (e.key === "Escape" && !list.hidden) {
        e.preventDefault();
        seq++;
        close();
      }
    });
    input.addEventListener("blur", function () { seq++; close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[role=combobox][data-suggest]");
    for (var i = 0; i < inputs.length; i++) setup(inputs[i]);
  });
})();
