// Client-side search, loaded only on the search page. Where the site has a Pagefind bundle
// (data-pagefind), a query fetches only the index chunks and the result fragments it needs;
// where it has journey's sharded index (data-sharded), a query fetches the meta file, the shard
// of each word and the metadata of the results shown, and ranks by BM25 here; otherwise
// search.json is fetched whole. Every word of the query must occur in a post, and title and tag
// hits rank first. Results link with the site's base path.
(function () {
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var PAGE = 10; // Pagefind and sharded results shown at a time: each page is fetches of its own
  var latest = 0; // the newest query: answers to older ones, arriving late, are dropped
  var loading = null; // one fetch, however fast the reader types
  function load() {
    if (loading) return loading;
    if (form.dataset.sharded) {
      var index = shardedIndex(form.dataset.sharded);
      loading = index.ready.then(function () { return index; });
    } else if (form.dataset.pagefind) {
      loading = import(form.dataset.pagefind).then(function (pagefind) {
        // Record URLs already carry the site's base path.
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
  // The sentence-sized piece of text around the first word found, with that word marked.
  function snippet(doc, words, into) {
    var text = doc.summary + " " + doc.text, lower = text.toLowerCase(), at = -1, word = "";
    for (var i = 0; i < words.length && at < 0; i++) { at = lower.indexOf(words[i]); word = words[i]; }
    if (at < 0) { into.textContent = doc.summary; return; }
    var start = Math.max(0, at - 60), end = Math.min(text.length, at + word.length + 100);
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + word.length);
    into.append((start > 0 ? "…" : "") + text.slice(start, at), mark, text.slice(at + word.length, end) + (end < text.length ? "…" : ""));
  }
  // Pagefind's excerpt is HTML: only its text and its <mark>s are taken over, never markup.
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
  // The next PAGE of results, then a button for the ones after them; `items(from, to)` makes
  // the list items of results from..to, fetching what they show.
  function showMore(count, items, from, query) {
    var old = list.querySelector(".more");
    if (old) old.remove();
    return items(from, from + PAGE).then(function (all) {
      if (query !== latest) return;
      all.forEach(function (li) { list.appendChild(li); });
      if (count > from + PAGE) {
        var li = document.createElement("li"), button = document.createElement("button");
        li.className = "more"; button.type = "button"; button.textContent = "More results";
        button.addEventListener("click", function () { showMore(count, items, from + PAGE, query).catch(failed); });
        li.appendChild(button); list.appendChild(li);
      }
    });
  }
  function pagefindItems(results) {
    return function (from, to) {
      return Promise.all(results.slice(from, to).map(function (r) { return r.data(); })).then(function (all) {
        return all.map(function (data) {
          return result(data.url, data.meta.title, data.meta.date, function (p) { excerpt(data.excerpt, p); });
        });
      });
    };
  }
  function shardedItems(index, hits, words) {
    return function (from, to) {
      return index.rows(hits.slice(from, to)).then(function (rows) {
        return rows.map(function (row) {
          return result(row[0], row[1], row[2], function (p) { marked(row[3], words, p); });
        });
      });
    };
  }
  // `text` with every occurrence of a query word (or a word it begins) marked.
  function marked(text, words, into) {
    var escaped = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var pattern = new RegExp(escaped.sort(function (a, b) { return b.length - a.length; }).join("|"), "gi");
    var at = 0, found;
    while (escaped.length && (found = pattern.exec(text))) {
      var mark = document.createElement("mark");
      mark.textContent = found[0];
      into.append(text.slice(at, found.index), mark);
      at = found.index + found[0].length;
    }
    into.append(text.slice(at));
  }
  function show(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean), asked = ++latest;
    if (!words.length) { list.textContent = ""; status.textContent = ""; return; }
    load().then(function (engine) {
      if (asked !== latest) return;
      if (form.dataset.sharded) {
        return engine.search(query).then(function (hits) {
          if (asked !== latest) return;
          list.textContent = "";
          return showMore(hits.length, shardedItems(engine, hits, words), 0, asked).then(function () {
            if (asked === latest) found(hits.length);
          });
        });
      }
      if (!form.dataset.pagefind) return showIndexed(engine, words);
      return engine.search(words.join(" ")).then(function (search) {
        if (asked !== latest) return;
        list.textContent = "";
        return showMore(search.results.length, pagefindItems(search.results), 0, asked).then(function () {
          if (asked === latest) found(search.results.length); // said once the first results are shown
        });
      });
    }).catch(failed);
  }
  // journey's sharded index (see generator/website/search_shards.py): `ready` once the meta file
  // and the posts' lengths are in; search(query) → the matching post numbers, best first;
  // rows(numbers) → their [url, title, date, summary]. Files are fetched once each.
  function shardedIndex(base) {
    var files = {}, meta = null, lengths = null;
    var WORD = /[\p{L}\p{N}]+/gu;
    var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2fa1f}]+/gu;
    var K1 = 1.2, B = 0.75, HEAD = 5; // BM25's constants; a title or tag hit counts as HEAD body hits
    var PREFIX_BYTES = 150000; // the most a partly typed last word may fetch in shards beyond its own
    function get(path) {
      if (!files[path]) {
        files[path] = fetch(base + path).then(function (r) {
          if (!r.ok) throw new Error(r.status + " " + r.statusText);
          return r.json();
        });
        files[path].catch(function () { delete files[path]; });
      }
      return files[path];
    }
    // The index's terms of `text`, split as the build splits posts: words of letters and digits,
    // Chinese and Japanese runs as character bigrams.
    function terms(text) {
      var found = [];
      (text.normalize("NFC").toLowerCase().match(WORD) || []).forEach(function (word) {
        var at = 0, run;
        CJK.lastIndex = 0;
        while ((run = CJK.exec(word))) {
          if (run.index > at) found.push(word.slice(at, run.index));
          var chars = Array.from(run[0]);
          if (chars.length === 1) found.push(chars[0]);
          for (var i = 0; i + 1 < chars.length; i++) found.push(chars[i] + chars[i + 1]);
          at = run.index + run[0].length;
        }
        if (at < word.length) found.push(word.slice(at));
      });
      return found;
    }
    function shardName(prefix) {
      return Array.from(prefix).map(function (c) {
        var code = c.codePointAt(0);
        if (/[a-z0-9]/.test(c)) return c;
        return code <= 0xffff ? "_" + code.toString(16).padStart(4, "0") : "__" + code.toString(16).padStart(6, "0");
      }).join("");
    }
    function shardFile(prefix) { return get("shards/" + shardName(prefix) + ".json"); }
    // The shard a whole term would be in: the one of its longest prefix in the shard map.
    function home(term) {
      var chars = Array.from(term);
      for (var n = chars.length; n > 0; n--) {
        var prefix = chars.slice(0, n).join("");
        if (meta.shards[prefix] !== undefined) return prefix;
      }
      return null;
    }
    // The shards that hold `word` and, when `prefix`, the terms it begins (within PREFIX_BYTES).
    function shardsFor(word, prefix) {
      var own = home(word), more = [], bytes = 0;
      if (prefix) {
        for (var name in meta.shards) {
          if (name.length > word.length && name.lastIndexOf(word, 0) === 0) { more.push(name); bytes += meta.shards[name]; }
        }
        if (bytes > PREFIX_BYTES) more = [];
      }
      return (own !== null ? [own] : []).concat(more);
    }
    // {post number: BM25 score} for one query word: the best of the terms it stands for.
    function scores(word, prefix) {
      var names = shardsFor(word, prefix);
      return Promise.all(names.map(shardFile)).then(function (shards) {
        var best = new Map(), average = meta.average_length || 1, total = meta.posts;
        shards.forEach(function (shard) {
          for (var term in shard) {
            if (term !== word && !(prefix && term.lastIndexOf(word, 0) === 0)) continue;
            var postings = shard[term], df = postings.length / 2, number = 0;
            var idf = Math.log(1 + (total - df + 0.5) / (df + 0.5));
            for (var i = 0; i < postings.length; i += 2) {
              number += postings[i];
              var counts = postings[i + 1], tf = (counts >> 2) + HEAD * (counts & 3);
              var norm = K1 * (1 - B + B * lengths[number] / average);
              var score = idf * tf * (K1 + 1) / (tf + norm);
              if (!(best.get(number) >= score)) best.set(number, score);
            }
          }
        });
        return best;
      });
    }
    return {
      ready: Promise.all([get("meta.json"), get("lengths.json")]).then(function (both) { meta = both[0]; lengths = both[1]; }),
      search: function (query) {
        var words = terms(query), prefix = !/\s$/.test(query);
        if (!words.length) return Promise.resolve([]);
        return Promise.all(words.map(function (w, i) { return scores(w, prefix && i === words.length - 1); }))
          .then(function (perWord) {
            perWord.sort(function (a, b) { return a.size - b.size; }); // AND from the rarest word
            var hits = [];
            perWord[0].forEach(function (score, number) {
              for (var i = 1; i < perWord.length; i++) {
                var other = perWord[i].get(number);
                if (other === undefined) return;
                score += other;
              }
              hits.push([score, number]);
            });
            hits.sort(function (a, b) { return b[0] - a[0] || b[1] - a[1]; }); // then the newer post
            return hits.map(function (hit) { return hit[1]; });
          });
      },
      rows: function (numbers) {
        var size = meta.chunk_posts;
        return Promise.all(numbers.map(function (n) { return get("posts/" + Math.floor(n / size) + ".json"); }))
          .then(function (chunks) { return chunks.map(function (chunk, i) { return chunk[numbers[i] % size]; }); });
      },
    };
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
