// Client-side search over search.json: every word of the query must match; title hits rank first.
(function () {
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var documents = null;
  function load() {
    if (documents) return Promise.resolve(documents);
    return fetch(form.dataset.index).then(function (r) { return r.json(); }).then(function (d) {
      documents = d.map(function (doc) {
        doc.haystack = (doc.title + " " + doc.tags.join(" ") + " " + doc.summary + " " + doc.text).toLowerCase();
        return doc;
      });
      return documents;
    });
  }
  function score(doc, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      if (doc.haystack.indexOf(words[i]) < 0) return 0;
      total += doc.title.toLowerCase().indexOf(words[i]) >= 0 ? 10 : 1;
    }
    return total;
  }
  function show(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    load().then(function (docs) {
      var hits = docs.map(function (d) { return [score(d, words), d]; })
        .filter(function (p) { return p[0] > 0; })
        .sort(function (a, b) { return b[0] - a[0] || (a[1].date < b[1].date ? 1 : -1); });
      status.textContent = hits.length + (hits.length === 1 ? " post" : " posts") + " found";
      hits.slice(0, 30).forEach(function (pair) {
        var doc = pair[1], li = document.createElement("li"), h = document.createElement("h2"), a = document.createElement("a"), p = document.createElement("p");
        a.href = doc.url; a.textContent = doc.title; h.appendChild(a); p.textContent = doc.summary;
        li.appendChild(h); li.appendChild(p); list.appendChild(li);
      });
    });
  }
  input.addEventListener("input", function () { show(input.value); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; show(initial); }
})();
