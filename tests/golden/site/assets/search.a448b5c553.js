(function () {
var form = document.querySelector("form.search");
if (!form) return;
var input = form.querySelector("input");
var status = document.getElementById("search-status");
var list = document.getElementById("search-results");
var PAGE = 10; // Pagefind results shown at a time: each one's text is a fetch of its own
var latest = 0; // the newest query: answers to older ones, arriving late, are dropped
var loading = null; // one fetch, however fast the reader types
function load() {
if (loading) return loading;
if (form.dataset.pagefind) {
loading = import(form.dataset.pagefind).then(function (pagefind) {
return pagefind.options({ baseUrl: "/" }).then(function () { return pagefind; });
});
} else {
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
}
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
function excerpt(html, into) {
var parsed = new DOMParser().parseFromString(html, "text/html").body.childNodes;
for (var i = 0; i < parsed.length; i++) {
if (parsed[i].nodeName === "MARK") {
var mark = document.createElement("mark");
mark.textContent = parsed[i].textContent;
into.append(mark);
} else {
into.append(parsed[i].textContent);
}
}
}
function result(url, title, date, fill) {
var li = document.createElement("li"), h = document.createElement("h2"), a = document.createElement("a");
var meta = document.createElement("p"), p = document.createElement("p");
a.href = url; a.textContent = title; h.appendChild(a);
meta.className = "meta"; meta.textContent = date;
p.className = "snippet"; fill(p);
li.append(h, meta, p);
return li;
}
function found(count) {
status.textContent = count + (count === 1 ? " post" : " posts") + " found";
}
function failed(error) {
status.textContent = "The search index could not be loaded (" + error.message + ").";
}
function showIndexed(docs, words) {
var hits = docs.map(function (d) { return [score(d, words), d]; })
.filter(function (p) { return p[0] > 0; })
.sort(function (a, b) { return b[0] - a[0] || (a[1].date < b[1].date ? 1 : -1); });
list.textContent = "";
hits.slice(0, 50).forEach(function (pair) {
var doc = pair[1];
list.appendChild(result(doc.url, doc.title, doc.date, function (p) { snippet(doc, words, p); }));
});
found(hits.length);
}
function showMore(results, from, query) {
var old = list.querySelector(".more");
if (old) old.remove();
return Promise.all(results.slice(from, from + PAGE).map(function (r) { return r.data(); })).then(function (all) {
if (query !== latest) return;
all.forEach(function (data) {
list.appendChild(result(data.url, data.meta.title, data.meta.date, function (p) { excerpt(data.excerpt, p); }));
});
if (results.length > from + PAGE) {
var li = document.createElement("li"), button = document.createElement("button");
li.className = "more"; button.type = "button"; button.textContent = "More results";
button.addEventListener("click", function () { showMore(results, from + PAGE, query).catch(failed); });
li.appendChild(button); list.appendChild(li);
}
});
}
function show(query) {
var words = query.toLowerCase().split(/\s+/).filter(Boolean), asked = ++latest;
if (!words.length) { list.textContent = ""; status.textContent = ""; return; }
load().then(function (engine) {
if (asked !== latest) return;
if (!form.dataset.pagefind) return showIndexed(engine, words);
return engine.search(words.join(" ")).then(function (search) {
if (asked !== latest) return;
list.textContent = "";
return showMore(search.results, 0, asked).then(function () {
if (asked === latest) found(search.results.length); // said once the first results are shown
});
});
}).catch(failed);
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
