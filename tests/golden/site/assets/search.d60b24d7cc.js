(function () {
var form = document.querySelector("form.search");
if (!form) return;
var input = form.querySelector("input");
var status = document.getElementById("search-status");
var list = document.getElementById("search-results");
var loading = null; // one fetch, however fast the reader types
function load() {
if (loading) return loading;
loading = fetch(form.dataset.index).then(function (r) {
if (!r.ok) throw new Error(r.status + " " + r.statusText);
return r.json();
}).then(function (docs) {
return docs.map(function (doc) {
doc.head = (doc.title + " " + doc.tags.join(" ")).toLowerCase();
doc.body = (doc.summary + " " + doc.text).toLowerCase();
return doc;
});
});
loading.catch(function () { loading = null; });
return loading;
}
function score(doc, words) {
var total = 0;
for (var i = 0; i < words.length; i++) {
var inHead = doc.head.indexOf(words[i]) >= 0;
if (!inHead && doc.body.indexOf(words[i]) < 0) return 0;
total += inHead ? 10 : 1;
}
return total;
}
function snippet(doc, words, into) {
var text = doc.summary + " " + doc.text, lower = text.toLowerCase(), at = -1, word = "";
for (var i = 0; i < words.length && at < 0; i++) { at = lower.indexOf(words[i]); word = words[i]; }
if (at < 0) { into.textContent = doc.summary; return; }
var start = Math.max(0, at - 60), end = Math.min(text.length, at + word.length + 100);
var mark = document.createElement("mark");
mark.textContent = text.slice(at, at + word.length);
into.append((start > 0 ? "…" : "") + text.slice(start, at), mark, text.slice(at + word.length, end) + (end < text.length ? "…" : ""));
}
function result(doc, words) {
var li = document.createElement("li"), h = document.createElement("h2"), a = document.createElement("a");
var meta = document.createElement("p"), p = document.createElement("p");
a.href = doc.url; a.textContent = doc.title; h.appendChild(a);
meta.className = "meta"; meta.textContent = doc.date;
p.className = "snippet"; snippet(doc, words, p);
li.append(h, meta, p);
return li;
}
function show(query) {
var words = query.toLowerCase().split(/\s+/).filter(Boolean);
if (!words.length) { list.textContent = ""; status.textContent = ""; return; }
load().then(function (docs) {
var hits = docs.map(function (d) { return [score(d, words), d]; })
.filter(function (p) { return p[0] > 0; })
.sort(function (a, b) { return b[0] - a[0] || (a[1].date < b[1].date ? 1 : -1); });
list.textContent = "";
hits.slice(0, 50).forEach(function (pair) { list.appendChild(result(pair[1], words)); });
status.textContent = hits.length + (hits.length === 1 ? " post" : " posts") + " found";
}, function (error) { status.textContent = "The search index could not be loaded (" + error.message + ")."; });
}
form.addEventListener("submit", function (event) { event.preventDefault(); show(input.value); });
input.addEventListener("input", function () {
show(input.value);
var address = new URL(location.href);
if (input.value) address.searchParams.set("q", input.value); else address.searchParams.delete("q");
history.replaceState(null, "", address);
});
var initial = new URLSearchParams(location.search).get("q");
if (initial) { input.value = initial; show(initial); }
})();
