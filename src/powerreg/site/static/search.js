// Exact substring search over the site's sharded index (see powerreg/site/searchindex.py,
// whose lookup() is this same algorithm in Python). The query comes from the address
// (search.html?q=审批), so a search can be linked and bookmarked. Only files of this site
// are fetched: one bucket per bigram looked up, and the document files of the results
// shown (the numbers of buckets, search/meta.json, are in the page itself: one round trip
// less).
(function () {
  "use strict";
  var PAGE = 50;
  var base = "search/";
  var cache = {};
  function get(name) {
    if (!cache[name]) {
      cache[name] = fetch(base + name).then(function (r) {
        if (r.status === 404) { return {}; }  // a bucket no key fell in
        if (!r.ok) { throw new Error(name + ": " + r.status); }
        return r.json();
      });
    }
    return cache[name];
  }
  function bucket1(cp, n) { return cp % n; }
  function bucket2(a, b, n) { return (a * 65599 + b) % n; }
  function cover(n) {
    var offs = [];
    for (var i = 0; i < n - 1; i += 2) { offs.push(i); }
    if (offs[offs.length - 1] !== n - 2) { offs.push(n - 2); }
    return offs;
  }
  function running(deltas) {
    var out = [], t = 0;
    for (var i = 0; i < deltas.length; i++) { t += deltas[i]; out.push(t); }
    return out;
  }
  function positions(flat) {
    var out = new Map(), doc = 0, i = 0;
    while (i < flat.length) {
      doc += flat[i];
      var n = flat[i + 1], p = 0, ps = new Set();
      for (var j = i + 2; j < i + 2 + n; j++) { p += flat[j]; ps.add(p); }
      out.set(doc, ps);
      i += 2 + n;
    }
    return out;
  }
  function findDocs(meta, chars) {
    if (chars.length === 1) {
      var cp = chars[0].codePointAt(0);
      return get("g1/" + bucket1(cp, meta.buckets1) + ".json").then(function (shard) {
        return running(shard[chars[0]] || []);
      });
    }
    var offs = cover(chars.length);
    var grams = offs.map(function (o) { return chars[o] + chars[o + 1]; });
    return Promise.all(grams.map(function (g, k) {
      var c = Array.from(g);
      var b = bucket2(c[0].codePointAt(0), c[1].codePointAt(0), meta.buckets2);
      return get("g2/" + b + ".json");
    })).then(function (shards) {
      var starts = null;
      for (var k = 0; k < grams.length; k++) {
        var at = positions(shards[k][grams[k]] || []);
        var off = offs[k];
        if (starts === null) {
          starts = at;
          continue;
        }
        var next = new Map();
        starts.forEach(function (ss, doc) {
          var ps = at.get(doc);
          if (!ps) { return; }
          var kept = new Set();
          ss.forEach(function (s) { if (ps.has(s + off)) { kept.add(s); } });
          if (kept.size) { next.set(doc, kept); }
        });
        starts = next;
        if (!starts.size) { break; }
      }
      return Array.from(starts.keys()).sort(function (a, b) { return a - b; });
    });
  }
  function docsOf(meta, ids) {
    var per = meta.docs_per_file, files = {};
    ids.forEach(function (d) { files[Math.floor(d / per)] = true; });
    var names = Object.keys(files);
    return Promise.all(names.map(function (f) { return get("docs/" + f + ".json"); }))
      .then(function (parts) {
        var table = {};
        names.forEach(function (f, i) { table[f] = parts[i]; });
        return ids.map(function (d) { return table[Math.floor(d / per)][d % per]; });
      });
  }
  var box = document.getElementById("results");
  var input = document.getElementById("q");
  function say(text) {
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    return p;
  }
  function show(meta, docs, query, from, list) {
    var page = docs.slice(from, from + PAGE);
    return docsOf(meta, page).then(function (rows) {
      rows.forEach(function (r) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "powers/" + encodeURIComponent(r[0]) + ".html";
        a.textContent = r[1];
        li.appendChild(a);
        li.appendChild(document.createTextNode("（" + r[0] + " · " + r[2] + "）"));
        list.appendChild(li);
      });
      var more = document.getElementById("more");
      if (more) { more.remove(); }
      if (from + PAGE < docs.length) {
        var b = document.createElement("button");
        b.id = "more";
        b.type = "button";
        b.textContent = "显示更多（还有 " + (docs.length - from - PAGE) + " 项）";
        b.addEventListener("click", function () { show(meta, docs, query, from + PAGE, list); });
        box.appendChild(b);
      }
    });
  }
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim();
  input.value = query;
  if (!query) {
    say("请输入要查找的文字。");
    return;
  }
  document.title = "搜索：" + query + " — " + document.title.split(" — ").pop();
  var t0 = performance.now();
  get("docs/0.json");  // fetched beside the buckets: the first results' names are there
  var meta = {
    buckets1: Number(box.dataset.buckets1),
    buckets2: Number(box.dataset.buckets2),
    docs_per_file: Number(box.dataset.docsPerFile)
  };
  findDocs(meta, Array.from(query)).then(function (docs) {
    var list = document.createElement("ol");
    list.className = "results";
    return (docs.length ? show(meta, docs, query, 0, list) : Promise.resolve()).then(function () {
      say(docs.length ? "“" + query + "”：找到 " + docs.length + " 项事项" : "没有找到含有“" + query + "”的事项。").id = "summary";
      if (docs.length) { box.appendChild(list); }
      var more = document.getElementById("more");
      if (more) { box.appendChild(more); }
      box.dataset.count = String(docs.length);
      // from reading the address to the results on the page
      box.dataset.ms = String(Math.round(performance.now() - t0));
    });
  }).catch(function (err) {
    say("搜索索引读取失败（" + err.message + "）。请通过网站服务器打开本页，而不是直接打开文件。");
  });
}());
