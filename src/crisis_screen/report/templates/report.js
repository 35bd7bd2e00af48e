(function () {
  "use strict";
  // Draws the ranking from the page's JSON data: the first rows at once (their data comes
  // before this script), every row and its evidence once the page is parsed (the data after
  // this script, gzip-compressed in a large report), more rows as they are scrolled to, a
  // card's evidence when it is opened. Every value from a resume is set as text.
  var head = JSON.parse(document.getElementById("report-head").textContent);
  var PAGE = head.page, FIRST_SCREEN = 20;
  var rows = head.rows, complete = rows.length === head.total, evidence = null;
  var tierOrder = {}, tierLabel = {};
  head.tiers.forEach(function (t, i) { tierOrder[t[0]] = i; tierLabel[t[0]] = t[1]; });
  var decisionOrder = { advance: 0, hold: 1, reject: 2, "": 3 };
  var storeKey = "crisis-screen:decisions:" + head.id;
  var noteKey = "crisis-screen:reviewer-note";
  var storageOk = true;

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { storageOk = false; return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { storageOk = false; }
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function bdi(text) { return el("bdi", null, text); }
  function keyOf(sha, source) { return (sha || "") + "|" + source; }

  // Decisions: from the report (scan --decisions), then what this browser changed since.
  var decisions = {};
  var changed = {};
  try { changed = JSON.parse(load(storeKey) || "{}") || {}; } catch (e) { changed = {}; }
  function take(k, d) {
    var mine = changed[k];
    var newer = mine && typeof mine === "object" && String(mine.decided_at) >= String(d.decided_at);
    decisions[k] = newer ? mine : d;
  }
  function takeDecisions(list) {
    list.forEach(function (row) { if (row.d) { take(keyOf(row.sha, row.src), row.d); } });
  }
  takeDecisions(rows);
  (head.extra || []).forEach(function (d) { take(keyOf(d.sha256, d.source), d); });
  Object.keys(changed).forEach(function (k) {
    if (!decisions[k] && changed[k] && typeof changed[k] === "object") {
      decisions[k] = changed[k];
    }
  });
  function decisionOf(row) {
    var d = decisions[keyOf(row.sha, row.src)];
    return d && d.decision ? d.decision : "";
  }

  var $ = function (id) { return document.getElementById(id); };
  var tbody = document.querySelector("#ranking tbody");
  var search = $("search"), flagFilter = $("flag-filter"), decisionFilter = $("decision-filter");
  var allRules = $("all-rules"), note = $("reviewer-note"), more = $("more");
  var tierBoxes = Array.prototype.slice.call(document.querySelectorAll("#tier-filter input"));
  note.value = load(noteKey) || "";
  var sortKey = "rank", sortDir = 1;
  var view = rows, drawn = 0, filtered = false, nearEnd = false, filling = false;

  // Every row and the evidence, from the blocks after this script, read once the page is
  // parsed. Until then the controls queue what they were asked to do.
  var ready = false, waiting = [];
  function whenReady(fn) { if (ready) { fn(); } else { waiting.push(fn); } }
  function blockText(id) {
    var block = document.getElementById(id);
    if (!block) { return Promise.reject(new Error("no " + id)); }
    if (block.dataset.encoding !== "gzip+base64") { return Promise.resolve(block.textContent); }
    var bin = atob(block.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i += 1) { bytes[i] = bin.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }
  function readData() {
    Promise.all([blockText("report-rows"), blockText("report-evidence")]).then(function (texts) {
      rows = JSON.parse(texts[0]);
      evidence = JSON.parse(texts[1]);
      complete = ready = true;
      takeDecisions(rows);
      if (!filtered) { view = rows; more.hidden = drawn >= view.length; }
      updateCounts();
      document.documentElement.dataset.ready = "1";
      waiting.splice(0).forEach(function (fn) { fn(); });
      keepFilling();
    }).catch(function (err) {
      document.documentElement.dataset.ready = "error";
      $("decision-counts").textContent = "This browser could not read the report's data (" +
        err + "); only the first rows are shown.";
    });
  }
  function evidenceOf(row) { return (evidence && evidence[row.r - 1]) || []; }

  function haystack(row) {
    if (row.hay === undefined) {
      var parts = [row.src].concat(row.concepts);
      evidenceOf(row).forEach(function (line) {
        line.p.forEach(function (piece) { parts.push(piece[0]); });
        line.i.forEach(function (item) { parts.push(item.t, item.c, item.id, item.term); });
      });
      row.hay = parts.join("\n").toLowerCase();
    }
    return row.hay;
  }
  function sortValue(row, key) {
    switch (key) {
      case "score": return row.score;
      case "tier": return tierOrder[row.tier];
      case "flag": return row.flag ? 0 : 1;
      case "resume": return row.src.toLowerCase();
      case "lines": return row.lines;
      case "concepts": return row.concepts.join(", ").toLowerCase();
      case "decision": return decisionOrder[decisionOf(row)];
      default: return row.r;
    }
  }
  // The direction a first click sorts in: best first for numbers, A-Z for text.
  var firstDir = { rank: 1, score: -1, tier: 1, flag: 1, resume: 1, lines: -1, concepts: 1,
                   decision: 1 };

  var applyQueued = false;
  function apply() {
    if (!ready) {
      if (!applyQueued) { applyQueued = true; whenReady(function () { apply(); }); }
      return;
    }
    filtered = true;
    var q = search.value.trim().toLowerCase();
    var tiers = {};
    tierBoxes.forEach(function (box) { tiers[box.value] = box.checked; });
    var flag = flagFilter.value, decision = decisionFilter.value;
    view = rows.filter(function (row) {
      if (!tiers[row.tier]) { return false; }
      if (flag === "flagged" && !row.flag) { return false; }
      if (flag === "unflagged" && row.flag) { return false; }
      if (decision !== "all" && decisionOf(row) !== (decision === "none" ? "" : decision)) {
        return false;
      }
      return !q || haystack(row).indexOf(q) !== -1;
    });
    view.sort(function (a, b) {
      var x = sortValue(a, sortKey), y = sortValue(b, sortKey);
      if (x < y) { return -sortDir; }
      if (x > y) { return sortDir; }
      return a.r - b.r;
    });
    tbody.textContent = "";
    drawn = 0;
    drawMore();
    $("shown").textContent = String(view.length);
  }

  function drawMore(count) {
    var end = Math.min(drawn + (count || PAGE), view.length);
    var frag = document.createDocumentFragment();
    for (var i = drawn; i < end; i += 1) { drawRow(view[i], frag); }
    tbody.appendChild(frag);
    drawn = end;
    more.hidden = drawn >= view.length && complete;
    keepFilling();
  }
  // While the end of the table is in (or near) view, draw on: the observer reports only
  // changes, and the end can stay in view after a draw or once every row is read.
  function keepFilling() {
    if (nearEnd && !more.hidden && drawn < view.length && !filling) {
      filling = true;
      requestAnimationFrame(function () { filling = false; if (nearEnd) { drawMore(); } });
    }
  }

  function drawRow(row, into) {
    var tr = el("tr", "resume-row");
    tr.dataset.index = String(row.r - 1);
    tr.appendChild(el("td", "num", row.r));
    tr.appendChild(el("td", "num score", row.score.toFixed(1)));
    var tier = el("td");
    tier.appendChild(el("span", "tier tier-" + row.tier, tierLabel[row.tier]));
    tr.appendChild(tier);
    var flag = el("td");
    flag.appendChild(row.flag ? el("span", "flag", "FLAGGED") : el("span", "noflag", "\u2013"));
    tr.appendChild(flag);
    var resume = el("td", "resume");
    resume.appendChild(el("div", "src")).appendChild(bdi(row.src));
    resume.appendChild(el("div", "why", row.why));
    tr.appendChild(resume);
    tr.appendChild(el("td", "num", row.lines));
    var names = row.concepts.slice(0, 4).join(", ");
    var rest = row.concepts.length - 4;
    var concepts = el("td", "concepts", names + (rest > 0 ? " and " + rest + " more" : ""));
    if (rest > 0) { concepts.title = row.concepts.join(", "); }
    tr.appendChild(concepts);
    tr.appendChild(decisionCell(row, tr));
    into.appendChild(tr);
    if (row.el) { into.appendChild(cardRow(row)); }
  }

  function decisionCell(row, tr) {
    var td = el("td", "decide");
    var d = decisions[keyOf(row.sha, row.src)] || {};
    var select = el("select", "decision");
    select.setAttribute("aria-label", "Decision for " + row.src);
    [["", "\u2013"], ["advance", "advance"], ["hold", "hold"], ["reject", "reject"]]
      .forEach(function (o) {
        var option = el("option", null, o[1]);
        option.value = o[0];
        select.appendChild(option);
      });
    select.value = d.decision || "";
    var reason = el("input", "reason");
    reason.type = "text";
    reason.placeholder = "reason";
    reason.setAttribute("aria-label", "Reason for " + row.src);
    reason.value = d.reason || "";
    tr.classList.toggle("decided-" + select.value, !!select.value);
    function record() {
      var entry = {
        source: row.src, sha256: row.sha, decision: select.value, reason: reason.value,
        reviewer_note: note.value, decided_at: new Date().toISOString()
      };
      var k = keyOf(row.sha, row.src);
      decisions[k] = entry;
      changed[k] = entry;
      save(storeKey, JSON.stringify(changed));
      tr.className = "resume-row" + (entry.decision ? " decided-" + entry.decision : "");
      updateCounts();
    }
    select.addEventListener("change", record);
    reason.addEventListener("input", record);
    td.appendChild(select);
    td.appendChild(reason);
    return td;
  }

  function cardRow(row) {
    var tr = el("tr", "card-row");
    var td = el("td");
    td.colSpan = 8;
    var details = el("details", "card");
    details.dataset.index = String(row.r - 1);
    var summary = el("summary");
    summary.appendChild(el("span", "card-head",
      "Evidence: " + row.el + " line(s), " + row.cl + " counted"));
    if (row.best) {
      summary.appendChild(document.createTextNode(" \u00b7 best: "));
      summary.appendChild(el("q", "best")).appendChild(bdi(row.best));
    }
    details.appendChild(summary);
    details.addEventListener("toggle", function () {
      if (!details.open || details.dataset.drawn) { return; }
      if (ready) { drawCard(details, row); return; }
      if (!details.querySelector(".card-body")) {
        details.appendChild(el("div", "card-body", "Reading the evidence\u2026"));
        whenReady(function () { drawCard(details, row); });
      }
    });
    td.appendChild(details);
    tr.appendChild(td);
    return tr;
  }

  function title(item) {
    var parts = ["concept: " + item.c + " (" + item.id + ")", "term: " + item.term,
      "method: " + item.m + (item.sim !== undefined ? " (similarity " + item.sim + ")" : ""),
      "confidence: " + item.conf.toFixed(2) + " (base " + item.base.toFixed(2) + "), " +
      (item.n ? "counted" : "not counted")];
    (item.a || []).forEach(function (a) { parts.push(a[0] + " x" + a[1] + ": " + a[2]); });
    return parts.join("\n");
  }

  function drawCard(details, row) {
    var body = el("div", "card-body");
    var every = allRules.checked;
    if (row.fmt) {
      body.appendChild(el("p", "meta", "format " + row.fmt + (row.ocr ? ", read by OCR" : "")));
    }
    evidenceOf(row).forEach(function (line) {
      var box = el("div", "ev-line");
      var text = el("div", "ev-text");
      text.appendChild(el("span", "ln", line.w));
      var holder = bdi("");
      line.p.forEach(function (piece) {
        if (piece[1] < 0) { holder.appendChild(document.createTextNode(piece[0])); return; }
        var item = line.i[piece[1]];
        var mark = el("mark", item.n ? "hit" : "hit not-counted", piece[0]);
        mark.title = title(item);
        holder.appendChild(mark);
      });
      text.appendChild(holder);
      box.appendChild(text);
      var list = el("ul", "ev-why");
      line.i.forEach(function (item) {
        var li = el("li");
        li.title = title(item);
        li.appendChild(el("b")).appendChild(bdi("\u201c" + item.t + "\u201d"));
        li.appendChild(document.createTextNode(" \u2192 " + item.c + " "));
        li.appendChild(el("span", "tag", item.term));
        var method = item.m + (item.sim !== undefined ? " (" + item.sim + ")" : "");
        li.appendChild(el("span", "tag", method));
        (item.k || []).forEach(function (k) { li.appendChild(el("span", "tag kind", k)); });
        li.appendChild(document.createTextNode(" confidence " + item.conf.toFixed(2) + " \u2014 "));
        li.appendChild(el("i", null, item.n ? "counted" : "not counted"));
        var rules = (item.a || []).filter(function (a) { return every || a[4]; });
        if (rules.length) {
          var sub = el("ul", "rules");
          rules.forEach(function (a) {
            var text = a[0] + " \u00d7" + a[1] + ": " + a[2];
            var rule = el("li", a[4] ? "rule" : "rule quiet", text);
            if (a[3]) {
              rule.appendChild(document.createTextNode(" [cue: \u201c"));
              rule.appendChild(bdi(a[3]));
              rule.appendChild(document.createTextNode("\u201d]"));
            }
            sub.appendChild(rule);
          });
          li.appendChild(sub);
        }
        list.appendChild(li);
      });
      box.appendChild(list);
      body.appendChild(box);
    });
    var old = details.querySelector(".card-body");
    if (old) { old.remove(); }
    details.appendChild(body);
    details.dataset.drawn = "1";
  }

  function updateCounts() {
    if (!complete) { return; }
    var n = { advance: 0, hold: 0, reject: 0, "": 0 };
    rows.forEach(function (row) { n[decisionOf(row)] += 1; });
    $("decision-counts").textContent = "Decisions: " + n.advance + " advance \u00b7 " + n.hold +
      " hold \u00b7 " + n.reject + " reject \u00b7 " + n[""] + " undecided" +
      (storageOk ? "" : " (this browser keeps no storage for this file: export before closing)");
  }

  function exportDecisions() {
    if (!ready) { whenReady(exportDecisions); return; }
    var list = [];
    Object.keys(decisions).forEach(function (k) {
      var d = decisions[k];
      if (d && d.decision) {
        list.push({ source: d.source, sha256: d.sha256 || null, decision: d.decision,
          reason: d.reason || "", reviewer_note: d.reviewer_note || "",
          decided_at: d.decided_at || "" });
      }
    });
    list.sort(function (a, b) {
      var x = a.source + "|" + (a.sha256 || ""), y = b.source + "|" + (b.sha256 || "");
      return x < y ? -1 : (x > y ? 1 : 0);
    });
    var blob = new Blob([JSON.stringify(list, null, 2) + "\n"], { type: "application/json" });
    var url = URL.createObjectURL(blob);
    var a = el("a");
    a.href = url;
    a.download = "decisions.json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  document.querySelectorAll("#ranking thead th").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.dataset.key;
      sortDir = key === sortKey ? -sortDir : firstDir[key];
      sortKey = key;
      document.querySelectorAll("#ranking thead th").forEach(function (other) {
        other.setAttribute("aria-sort", other === th
          ? (sortDir > 0 ? "ascending" : "descending") : "none");
      });
      apply();
    });
  });
  search.addEventListener("input", apply);
  flagFilter.addEventListener("change", apply);
  decisionFilter.addEventListener("change", apply);
  tierBoxes.forEach(function (box) { box.addEventListener("change", apply); });
  allRules.addEventListener("change", function () {
    if (!ready) { return; }
    tbody.querySelectorAll("details.card").forEach(function (details) {
      delete details.dataset.drawn;
      var old = details.querySelector(".card-body");
      if (old) { old.remove(); }
      if (details.open) { drawCard(details, rows[Number(details.dataset.index)]); }
    });
  });
  note.addEventListener("input", function () { save(noteKey, note.value); });
  $("export").addEventListener("click", exportDecisions);
  $("more-button").addEventListener("click", function () { drawMore(); });
  // After the parse, in a task of its own: the first screen is not kept waiting.
  document.addEventListener("DOMContentLoaded", function () { setTimeout(readData, 0); });
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      nearEnd = entries.some(function (e) { return e.isIntersecting; });
      if (nearEnd) { drawMore(); }
    }, { rootMargin: "600px" }).observe(more);
  }
  // A printout holds every row of the current view.
  window.addEventListener("beforeprint", function () {
    while (drawn < view.length) { drawMore(); }
  });
  // The first screen, from the rows that came before this script: what a tall window shows
  // (the observer of the table's end draws on after the first paint).
  drawMore(FIRST_SCREEN);
  performance.mark("crisis-screen:first-rows");
  requestAnimationFrame(function () { performance.mark("crisis-screen:first-frame"); });
  updateCounts();
})();
