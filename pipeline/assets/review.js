// The review page of one source (pipeline/review.py). Every string from the data reaches
// the page through textContent, a property (title, value) or a Blob, never as markup.
(function () {
  "use strict";

  var I18N = {
    vi: {
      lang: "English",
      source: "Nguồn",
      legendMention: "đề cập",
      legendClaim: "trích dẫn của nhận định",
      legendSuggestion: "gợi ý",
      legendNote: "cảnh báo, chỗ thiếu",
      text: "Văn bản",
      suggestions: "Gợi ý",
      suggestionsHelp: "Chấp nhận hoặc bỏ từng gợi ý, rồi lấy YAML của những gợi ý đã chấp nhận để dán vào annotations.yaml (new_entities: vào registry.yaml).",
      acceptAll: "Chấp nhận tất cả",
      rejectAll: "Bỏ tất cả",
      showYaml: "Xem YAML đã chấp nhận",
      copyYaml: "Sao chép",
      downloadYaml: "Tải xuống",
      facts: "Nhận định",
      notes: "Cảnh báo và chỗ thiếu",
      accept: "Chấp nhận",
      reject: "Bỏ",
      line: "dòng",
      confidence: "độ tin cậy",
      kindmention: "đề cập",
      kindentity: "thực thể mới",
      kindclaim: "nhận định",
      gap: "chưa chú thích",
      warning: "cảnh báo ngữ nghĩa",
      noSuggestions: "Không có gợi ý nào.",
      noFacts: "Chưa có nhận định nào.",
      noNotes: "Không có cảnh báo hay chỗ thiếu.",
      notValidated: "Chưa kiểm tra SHACL (--no-validate).",
      summary: "{m} đề cập, {c} nhận định, {s} gợi ý, {n} cảnh báo/chỗ thiếu",
      yamlReady: "{n} mục đã chấp nhận.",
      noneAccepted: "Chưa chấp nhận mục nào.",
      copied: "Đã sao chép.",
      copyFailed: "Không sao chép được; hãy chọn văn bản và sao chép.",
      downloaded: "Đã tải xuống {f}.",
      mentionOf: "đề cập đến",
      claimOf: "nhận định",
      pageTitle: "duyệt chú thích",
      legendLabel: "Chú giải màu",
      langLabel: "Chuyển sang tiếng Anh",
      yamlLabel: "YAML của các gợi ý đã chấp nhận",
      gap_entity: "thực thể trong danh mục chưa được chú thích",
      gap_acronym: "từ viết tắt chưa có trong danh mục",
      gap_name: "tên chưa có trong danh mục",
      "quote-misses-subject": "trích dẫn không nêu tên chủ thể {e} ({l}); hãy kéo dài trích dẫn đến tên, hoặc kiểm tra nhận định",
      "quote-misses-object": "trích dẫn không nêu tên đối tượng {e} ({l}); hãy kéo dài trích dẫn đến tên, hoặc kiểm tra nhận định",
      severity: "mức",
      Violation: "vi phạm",
      Warning: "cảnh báo",
      Info: "thông tin"
    },
    en: {
      lang: "Tiếng Việt",
      source: "Source",
      legendMention: "mention",
      legendClaim: "claim quote",
      legendSuggestion: "suggestion",
      legendNote: "warning, gap",
      text: "Text",
      suggestions: "Suggestions",
      suggestionsHelp: "Accept or reject each suggestion, then take the YAML of the accepted ones to paste into annotations.yaml (new_entities: into registry.yaml).",
      acceptAll: "Accept all",
      rejectAll: "Reject all",
      showYaml: "Show accepted YAML",
      copyYaml: "Copy",
      downloadYaml: "Download",
      facts: "Claims",
      notes: "Warnings and gaps",
      accept: "Accept",
      reject: "Reject",
      line: "line",
      confidence: "confidence",
      kindmention: "mention",
      kindentity: "new entity",
      kindclaim: "claim",
      gap: "not annotated",
      warning: "semantic warning",
      noSuggestions: "No suggestions.",
      noFacts: "No claims yet.",
      noNotes: "No warnings or gaps.",
      notValidated: "SHACL not run (--no-validate).",
      summary: "{m} mentions, {c} claims, {s} suggestions, {n} warnings/gaps",
      yamlReady: "{n} accepted item(s).",
      noneAccepted: "Nothing accepted yet.",
      copied: "Copied.",
      copyFailed: "Could not copy; select the text and copy it.",
      downloaded: "Downloaded {f}.",
      mentionOf: "mentions",
      claimOf: "claim",
      pageTitle: "annotation review",
      legendLabel: "Colour legend",
      langLabel: "Switch to Vietnamese",
      yamlLabel: "YAML of the accepted suggestions",
      gap_entity: "registry entity not annotated",
      gap_acronym: "acronym not in the registry",
      gap_name: "name not in the registry",
      "quote-misses-subject": "the quote does not name the subject {e} ({l}); lengthen it to the name, or check the claim",
      "quote-misses-object": "the quote does not name the object {e} ({l}); lengthen it to the name, or check the claim",
      severity: "level",
      Violation: "Violation",
      Warning: "Warning",
      Info: "Info"
    }
  };
  var SECTIONS = ["new_entities", "mentions", "claims"];

  var data = JSON.parse(document.getElementById("review-data").textContent);
  var lang = "vi";
  var state = data.suggestions.map(function () { return "open"; });
  var chars = Array.from(data.text); // code points: the offsets are code points

  function t(key, vars) {
    var s = I18N[lang][key];
    if (s === undefined) { s = key; }  // a word from the data (a severity not listed)
    Object.keys(vars || {}).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    return s;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function i18n(e, key) { e.setAttribute("data-i18n", key); e.textContent = t(key); return e; }
  function fact(c) {
    var s = c.subject[lang] + " · " + c.relation[lang];
    if (c.object[lang]) { s += " · " + c.object[lang]; }
    if (c.qualifiers[lang]) { s += " (" + c.qualifiers[lang] + ")"; }
    return s;
  }

  // ---- the text, line by line, with highlights and notes
  var intervals = [];
  data.mentions.forEach(function (m, i) { intervals.push({ s: m.start, e: m.end, kind: "mention", i: i }); });
  data.claims.forEach(function (c, i) { intervals.push({ s: c.start, e: c.end, kind: "claim", i: i }); });
  data.suggestions.forEach(function (g, i) { intervals.push({ s: g.start, e: g.end, kind: "sug", i: i }); });
  var notesByLine = {};
  data.gaps.forEach(function (g) { (notesByLine[g.line] = notesByLine[g.line] || []).push({ kind: "gap", item: g }); });
  data.warnings.forEach(function (w) { (notesByLine[w.line] = notesByLine[w.line] || []).push({ kind: "warning", item: w }); });

  function describe(iv) {
    if (iv.kind === "mention") { var m = data.mentions[iv.i]; return t("mentionOf") + ": " + m.label[lang]; }
    if (iv.kind === "claim") { return t("claimOf") + ": " + fact(data.claims[iv.i]); }
    var g = data.suggestions[iv.i];
    return t("kind" + g.kind) + " (" + t(state[iv.i] === "open" ? "suggestions" : state[iv.i] === "accepted" ? "accept" : "reject") + "): " + g.title[lang];
  }
  function noteText(n) {
    var w = n.item;
    if (n.kind === "gap") { return t("gap") + ": " + t("gap_" + w.kind) + " “" + w.text + "”" + (w.detail ? " — " + w.detail : ""); }
    var message = w.code ? t(w.code, { e: w.entity, l: w.label }) : w.message;
    return t("warning") + " (" + t("severity") + " " + t(w.severity) + "): " + message + " (" + w.where + ")";
  }

  function renderText() {
    var box = document.getElementById("text");
    box.textContent = "";
    var lineStart = 0;
    var lineNo = 1;
    for (var p = 0; p <= chars.length; p++) {
      if (p < chars.length && chars[p] !== "\n") { continue; }
      box.appendChild(renderLine(lineNo, lineStart, p));
      lineStart = p + 1;
      lineNo += 1;
    }
  }
  function renderLine(no, from, to) {
    var row = el("div", "line");
    row.id = "L" + no;
    row.appendChild(el("span", "ln", String(no)));
    var tx = el("span", "tx");
    var cuts = [from, to];
    intervals.forEach(function (iv) {
      if (iv.s < to && iv.e > from) { cuts.push(Math.max(iv.s, from), Math.min(iv.e, to)); }
    });
    cuts = cuts.filter(function (v, i, a) { return a.indexOf(v) === i; }).sort(function (a, b) { return a - b; });
    for (var k = 0; k + 1 < cuts.length; k++) {
      var a = cuts[k], b = cuts[k + 1];
      var piece = chars.slice(a, b).join("");
      var over = intervals.filter(function (iv) { return iv.s < b && iv.e > a; });
      if (!over.length) { tx.appendChild(document.createTextNode(piece)); continue; }
      var span = el("span", "hl", piece);
      over.forEach(function (iv) {
        span.classList.add(iv.kind);
        if (iv.kind === "sug") {
          span.classList.add("sug-" + iv.i);
          if (state[iv.i] !== "open") { span.classList.add(state[iv.i]); }
        }
      });
      span.title = over.map(describe).join("\n");
      span.addEventListener("click", (function (items) {
        return function () { document.getElementById("detail").textContent = items.map(describe).join(" · "); };
      })(over));
      tx.appendChild(span);
    }
    row.appendChild(tx);
    var notes = notesByLine[no];
    if (notes) {
      var box = el("div", "line-notes");
      notes.forEach(function (n) {
        box.appendChild(el("span", "note" + (n.item.severity === "Violation" ? " violation" : ""), noteText(n)));
      });
      row.appendChild(box);
    }
    return row;
  }

  function goto(line) {
    var a = el("a", "goto", t("line") + " " + line);
    a.href = "#L" + line;
    a.setAttribute("data-line", String(line));
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var row = document.getElementById("L" + line);
      if (row) {
        row.scrollIntoView({ block: "center" });
        row.classList.add("flash");
        setTimeout(function () { row.classList.remove("flash"); }, 1200);
      }
    });
    return a;
  }

  // ---- the side panels
  function renderSuggestions() {
    var list = document.getElementById("suggestions");
    list.textContent = "";
    if (!data.suggestions.length) { list.appendChild(i18n(el("li", "empty"), "noSuggestions")); }
    data.suggestions.forEach(function (g, i) {
      var li = el("li", state[i] === "open" ? "" : state[i]);
      li.setAttribute("data-index", String(i));
      li.setAttribute("data-kind", g.kind);
      li.appendChild(i18n(el("span", "badge"), "kind" + g.kind));
      li.appendChild(el("strong", "title", g.title[lang]));
      li.appendChild(el("span", "quote", "“" + g.quote + "”"));
      var meta = el("span", "why");
      meta.appendChild(i18n(el("span"), "confidence"));
      meta.appendChild(document.createTextNode(" " + g.confidence.toFixed(2) + " · " + g.why + " · "));
      meta.appendChild(goto(g.line));
      li.appendChild(meta);
      var row = el("div", "row");
      var yes = i18n(el("button", "accept"), "accept");
      var no = i18n(el("button", "reject"), "reject");
      [yes, no].forEach(function (b) { b.type = "button"; });
      yes.setAttribute("aria-pressed", String(state[i] === "accepted"));
      no.setAttribute("aria-pressed", String(state[i] === "rejected"));
      yes.addEventListener("click", function () { setState(i, state[i] === "accepted" ? "open" : "accepted"); });
      no.addEventListener("click", function () { setState(i, state[i] === "rejected" ? "open" : "rejected"); });
      row.appendChild(yes);
      row.appendChild(no);
      li.appendChild(row);
      list.appendChild(li);
    });
  }
  function setState(i, s) {
    state[i] = s;
    renderSuggestions();
    document.querySelectorAll(".sug-" + i).forEach(function (span) {
      span.classList.remove("accepted", "rejected");
      if (s !== "open") { span.classList.add(s); }
    });
  }
  function renderFacts() {
    var list = document.getElementById("facts");
    list.textContent = "";
    if (!data.claims.length) { list.appendChild(i18n(el("li", "empty"), "noFacts")); }
    data.claims.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("strong", "", fact(c)));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(goto(c.line));
      list.appendChild(li);
    });
  }
  function renderNotes() {
    var list = document.getElementById("notes");
    list.textContent = "";
    if (!data.validated) { list.appendChild(i18n(el("li", "muted"), "notValidated")); }
    var lines = Object.keys(notesByLine).map(Number).sort(function (a, b) { return a - b; });
    if (!lines.length) { list.appendChild(i18n(el("li", "empty"), "noNotes")); }
    lines.forEach(function (line) {
      notesByLine[line].forEach(function (n) {
        var li = el("li", n.kind);
        li.appendChild(el("span", "", noteText(n) + " "));
        li.appendChild(goto(line));
        list.appendChild(li);
      });
    });
  }

  // ---- YAML of the accepted suggestions
  function acceptedYaml() {
    var groups = {};
    var count = 0;
    data.suggestions.forEach(function (g, i) {
      if (state[i] !== "accepted") { return; }
      (groups[g.section] = groups[g.section] || []).push(g.yaml);
      count += 1;
    });
    var out = ["# Accepted suggestions for " + data.source.path + " (kg review)."];
    SECTIONS.forEach(function (s) { if (groups[s]) { out.push(s + ":"); out.push(groups[s].join("\n")); } });
    return { text: out.join("\n") + "\n", count: count };
  }
  function status(key, vars) { document.getElementById("yaml-status").textContent = t(key, vars); }
  function showYaml() {
    var y = acceptedYaml();
    document.getElementById("yaml").value = y.count ? y.text : "";
    if (y.count) { status("yamlReady", { n: y.count }); } else { status("noneAccepted"); }
    return y;
  }

  function renderAll() {
    document.documentElement.lang = lang;
    document.title = data.source.id + " — " + t("pageTitle");
    document.getElementById("doc-title").textContent = data.source.title[lang];
    document.getElementById("legend").setAttribute("aria-label", t("legendLabel"));
    document.getElementById("lang").setAttribute("aria-label", t("langLabel"));
    document.getElementById("yaml").setAttribute("aria-label", t("yamlLabel"));
    document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = t(e.getAttribute("data-i18n")); });
    document.getElementById("lang").textContent = t("lang");
    document.getElementById("summary").textContent = t("summary", {
      m: data.mentions.length, c: data.claims.length, s: data.suggestions.length,
      n: data.gaps.length + data.warnings.length
    });
    renderText();
    renderSuggestions();
    renderFacts();
    renderNotes();
  }

  document.getElementById("doc-id").textContent = data.source.id;
  document.getElementById("doc-path").textContent = data.source.path;
  document.getElementById("lang").addEventListener("click", function () {
    lang = lang === "vi" ? "en" : "vi";
    renderAll();
    document.getElementById("detail").textContent = "";
    document.getElementById("yaml-status").textContent = "";
  });
  document.getElementById("accept-all").addEventListener("click", function () {
    data.suggestions.forEach(function (_, i) { state[i] = "accepted"; });
    renderAll();
  });
  document.getElementById("reject-all").addEventListener("click", function () {
    data.suggestions.forEach(function (_, i) { state[i] = "rejected"; });
    renderAll();
  });
  document.getElementById("show-yaml").addEventListener("click", showYaml);
  document.getElementById("copy-yaml").addEventListener("click", function () {
    var y = showYaml();
    if (!y.count) { return; }
    var area = document.getElementById("yaml");
    function fallback() {
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      status(ok ? "copied" : "copyFailed");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(y.text).then(function () { status("copied"); }, fallback);
    } else { fallback(); }
  });
  document.getElementById("download-yaml").addEventListener("click", function () {
    var y = showYaml();
    if (!y.count) { return; }
    var name = data.source.id + "-accepted.yaml";
    var url = URL.createObjectURL(new Blob([y.text], { type: "text/yaml" }));
    var a = el("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    status("downloaded", { f: name });
  });
  renderAll();
  window.vjkgReview = { ready: true };
})();
