(function () {
  "use strict";
  // Draws the ranking from the page's JSON data: the first rows at once, more as they are
  // scrolled to; evidence cards when opened. Every value from a resume is set as text.
  var PAGE = 100;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rows = data.rows;
  var tierOrder = {}, tierLabel = {};
  data.tiers.forEach(function (t, i) { tierOrder[t[0]] = i; tierLabel[t[0]] = t[1]; });
  var decisionOrder = { advance: 0, hold: 1, reject: 2, "": 3 };
  var storeKey = "crisis-screen:decisions:" + data.id;
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
  rows.forEach(function (row) { if (row.d) { decisions[keyOf(row.sha, row.src)] = row.d; } });
  (data.extra || []).forEach(function (d) { decisions[keyOf(d.sha256, d.source)] = d; });
  var changed = {};
  try { changed = JSON.parse(load(storeKey) || "{}") || {}; } catch (e) { changed = {}; }
  Object.keys(changed).forEach(function (k) {
    var mine = changed[k], old = decisions[k];
    if (mine && typeof mine === "object" &&
        (!old || String(mine.decided_at) >= String(old.decided_at))) {
      decisions[k] = mine;
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
  var view = [], drawn = 0;

  function haystack(row) {
    if (row.hay === undefined) {
      var parts = [row.src].concat(row.concepts);
      (row.ev || []).forEach(function (line) {
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

  function apply() {
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

  function drawMore() {
    var end = Math.min(drawn + PAGE, view.length);
    var frag = document.createDocumentFragment();
    for (var i = drawn; i < end; i += 1) { drawRow(view[i], frag); }
    tbody.appendChild(frag);
    drawn = end;
    more.hidden = drawn >= view.length;
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
    tr.appendChild(el("td", "concepts", row.concepts.join(", ")));
    tr.appendChild(decisionCell(row, tr));
    into.appendChild(tr);
    if (row.ev) { into.appendChild(cardRow(row)); }
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
    var counted = 0;
    row.ev.forEach(function (line) {
      if (line.i.some(function (item) { return item.n; })) { counted += 1; }
    });
    summary.appendChild(el("span", "card-head",
      "Evidence: " + row.ev.length + " line(s), " + counted + " counted"));
    if (row.best) {
      summary.appendChild(document.createTextNode(" \u00b7 best: "));
      summary.appendChild(el("q", "best")).appendChild(bdi(row.best));
    }
    details.appendChild(summary);
    details.addEventListener("toggle", function () {
      if (details.open && !details.dataset.drawn) { drawCard(details, row); }
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
    row.ev.forEach(function (line) {
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
    var n = { advance: 0, hold: 0, reject: 0, "": 0 };
    rows.forEach(function (row) { n[decisionOf(row)] += 1; });
    $("decision-counts").textContent = "Decisions: " + n.advance + " advance \u00b7 " + n.hold +
      " hold \u00b7 " + n.reject + " reject \u00b7 " + n[""] + " undecided" +
      (storageOk ? "" : " (this browser keeps no storage for this file: export before closing)");
  }

  function exportDecisions() {
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
    tbody.querySelectorAll("details.card").forEach(function (details) {
      delete details.dataset.drawn;
      var old = details.querySelector(".card-body");
      if (old) { old.remove(); }
      if (details.open) { drawCard(details, rows[Number(details.dataset.index)]); }
    });
  });
  note.addEventListener("input", function () { save(noteKey, note.value); });
  $("export").addEventListener("click", exportDecisions);
  $("more-button").addEventListener("click", drawMore);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && drawn < view.length) {
        drawMore();
      }
    }, { rootMargin: "600px" }).observe(more);
  }
  // A printout holds every row of the current view.
  window.addEventListener("beforeprint", function () {
    while (drawn < view.length) { drawMore(); }
  });
  apply();
  updateCounts();
})();
