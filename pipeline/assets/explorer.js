// vjkg explorer. Every data-derived string reaches the page through textContent (or an
// attribute set as a property), never as HTML; the page's CSP runs no other script.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var MAX_MATCHES = 300;       // search shows at most this many matches at once
  var NEIGHBOUR_LIMIT = 40;    // ... and their neighbours when there are no more than this
  var RESULTS_LISTED = 12;     // entities listed under the search box
  var FACTS_LISTED = 8;        // facts (quotes, figures) listed under them
  var LABEL_CLIP = data.label_clip || 48;  // canvas labels longer than this are clipped with "…"
  var SVG = "http://www.w3.org/2000/svg";
  var NARROW = window.matchMedia("(max-width: 1099px)");

  // ------------------------------------------------------------------ words of the interface
  // Every string the page writes itself, in both languages; {0}, {1} are filled in.
  var STRINGS = {
    en: {
      title: "vjkg — knowledge graph explorer",
      filtersButton: "Search & filters", detailsButton: "Details", controlsLabel: "Search and filters",
      detailsLabel: "Details", close: "Close", searchPlaceholder: "Search names, quotes, figures",
      searchLabel: "Search entities and facts", resultsLabel: "Search results", language: "Language",
      view: "View", time: "Time", classes: "Classes", relations: "Relations", sources: "Sources",
      "export": "Export what is shown", exportPng: "Image (PNG)", exportSvg: "Image (SVG)", exportCsv: "Facts (CSV)",
      exportTtl: "Facts with evidence (Turtle)", graphLabel: "Graph of entities and facts", fit: "Fit",
      fitTitle: "Zoom to fit what is shown", all: "all", none: "none",
      showPlaces: "Places", showIsolated: "Entities without facts ({0})",
      entity1: "entity", entityN: "entities", fact1: "fact", factN: "facts", source1: "source", sourceN: "sources",
      quote1: "quote", quoteN: "quotes", figure1: "figure", figureN: "figures", match1: "match", matchN: "matches",
      summary: "{0} · {1} · {2}", shownCounts: "{0} of {1} · {2} of {3} shown",
      overview: "Overview: the {0} best-connected entities. Search to find any of the {1}; click one for its facts.",
      showAll: "Show all {0}", showingFirst: " (showing the first {0})", withNeighbours: ", with their neighbours",
      clearSearch: "Clear search", neighbourhoodOf: "Neighbourhood of {0}", backToOverview: "Back to overview",
      showEverything: "Show everything", resetFilters: "Reset filters", noMatch: "Nothing matches.",
      andMore: "… and {0} more", factsHeading: "Facts whose quote or figure matches",
      isolatedHidden: "{0} entities without facts are hidden.", timeActive: "Only facts dated {0}–{1}.",
      rank: "rank {0}", share: "share {0}", also: "also", id: "id", alsoTip: "also: {0}",
      about: "About this graph",
      aboutText: "{0} and {1} between them, each traced to the sentence that states it, from {2}.",
      help1: "Hover an entity or a link for its names, class and the quoted evidence.",
      help2: "Click an entity to list its facts here, each with its quote in context and its source.",
      help3: "Search ignores accents: “bo khoa hoc” finds “Bộ Khoa học và Công nghệ”; quotes and figures are searched too (“800.000”). Press / to search, ↑ ↓ to move through the results.",
      help4: "Untick classes, relations or sources, or narrow the years, to hide what you do not need; the address bar keeps the view, to share or bookmark.",
      help5: "Size grows with the number of facts; colour and shape show the class.",
      emptyGraph: "This graph holds no entity of the vjkg ontology. If its vocabulary lives under another base IRI, draw it with `kg html --base <IRI>`.",
      bigGraph: "This graph is large, so it opens on its {0} best-connected entities; search or “Show all” reaches the rest.",
      showNeighbourhood: "Show neighbourhood", noFacts: "No fact links this entity to another one.",
      noEvidence: "no quoted evidence", moreQuotes: "+ {0} more quotes", quotesFrom: "{0} from {1}",
      readSource: "Read in the source", sourceText: "Source text", noText: "The text of this source is not in the page.",
      issued: "issued {0}", years: "From {0} to {1}", undatedNote: "{0} dated facts and events", allYears: "All years",
      factKind: "fact", figureKind: "figure"
    },
    vi: {
      title: "vjkg — khám phá đồ thị tri thức",
      filtersButton: "Tìm kiếm & bộ lọc", detailsButton: "Chi tiết", controlsLabel: "Tìm kiếm và bộ lọc",
      detailsLabel: "Chi tiết", close: "Đóng", searchPlaceholder: "Tìm tên, trích dẫn, số liệu",
      searchLabel: "Tìm thực thể và dữ kiện", resultsLabel: "Kết quả tìm kiếm", language: "Ngôn ngữ",
      view: "Hiển thị", time: "Thời gian", classes: "Lớp", relations: "Quan hệ", sources: "Nguồn",
      "export": "Xuất phần đang hiển thị", exportPng: "Hình ảnh (PNG)", exportSvg: "Hình ảnh (SVG)", exportCsv: "Dữ kiện (CSV)",
      exportTtl: "Dữ kiện kèm bằng chứng (Turtle)", graphLabel: "Đồ thị thực thể và dữ kiện", fit: "Vừa khung",
      fitTitle: "Thu phóng cho vừa phần đang hiển thị", all: "tất cả", none: "bỏ hết",
      showPlaces: "Địa điểm", showIsolated: "Thực thể không có dữ kiện ({0})",
      entity1: "thực thể", entityN: "thực thể", fact1: "dữ kiện", factN: "dữ kiện", source1: "nguồn", sourceN: "nguồn",
      quote1: "trích dẫn", quoteN: "trích dẫn", figure1: "số liệu", figureN: "số liệu", match1: "kết quả", matchN: "kết quả",
      summary: "{0} · {1} · {2}", shownCounts: "Đang hiển thị {0} trên {1} · {2} trên {3}",
      overview: "Tổng quan: {0} thực thể có nhiều liên kết nhất. Tìm kiếm để thấy bất kỳ thực thể nào trong {1}; bấm vào một thực thể để xem dữ kiện.",
      showAll: "Hiện cả {0}", showingFirst: " (hiển thị {0} kết quả đầu)", withNeighbours: ", cùng các thực thể lân cận",
      clearSearch: "Xóa tìm kiếm", neighbourhoodOf: "Lân cận của {0}", backToOverview: "Về tổng quan",
      showEverything: "Hiện tất cả", resetFilters: "Bỏ bộ lọc", noMatch: "Không có kết quả.",
      andMore: "… và {0} kết quả khác", factsHeading: "Dữ kiện có trích dẫn hoặc số liệu khớp",
      isolatedHidden: "Đang ẩn {0} thực thể không có dữ kiện.", timeActive: "Chỉ các dữ kiện trong {0}–{1}.",
      rank: "hạng {0}", share: "tỷ lệ {0}", also: "tên khác", id: "mã", alsoTip: "tên khác: {0}",
      about: "Về đồ thị này",
      aboutText: "{0} và {1} giữa chúng, mỗi dữ kiện dẫn về câu văn nêu ra nó, từ {2}.",
      help1: "Di chuột lên một thực thể hay một liên kết để xem tên, lớp và trích dẫn làm bằng chứng.",
      help2: "Bấm vào một thực thể để liệt kê dữ kiện của nó tại đây, mỗi dữ kiện kèm trích dẫn trong ngữ cảnh và nguồn.",
      help3: "Tìm kiếm không phân biệt dấu: “bo khoa hoc” tìm ra “Bộ Khoa học và Công nghệ”; cả trích dẫn và số liệu cũng được tìm (“800.000”). Bấm / để tìm, ↑ ↓ để di chuyển giữa các kết quả.",
      help4: "Bỏ chọn lớp, quan hệ, nguồn hoặc thu hẹp khoảng năm để ẩn những gì không cần; thanh địa chỉ giữ nguyên chế độ xem để chia sẻ hay đánh dấu.",
      help5: "Kích thước tăng theo số dữ kiện; màu và hình cho biết lớp.",
      emptyGraph: "Đồ thị này không có thực thể nào của bản thể học vjkg. Nếu từ vựng của nó nằm dưới một IRI gốc khác, hãy vẽ bằng `kg html --base <IRI>`.",
      bigGraph: "Đồ thị này lớn nên mở ra với {0} thực thể có nhiều liên kết nhất; tìm kiếm hoặc “Hiện cả” để thấy phần còn lại.",
      showNeighbourhood: "Xem lân cận", noFacts: "Không có dữ kiện nào nối thực thể này với thực thể khác.",
      noEvidence: "không có trích dẫn làm bằng chứng", moreQuotes: "+ {0} trích dẫn khác", quotesFrom: "{0} từ {1}",
      readSource: "Đọc trong nguồn", sourceText: "Văn bản nguồn", noText: "Văn bản của nguồn này không có trong trang.",
      issued: "phát hành {0}", years: "Từ {0} đến {1}", undatedNote: "{0} dữ kiện và sự kiện có ngày", allYears: "Mọi năm",
      factKind: "dữ kiện", figureKind: "số liệu"
    }
  };
  function t(key) {
    var table = STRINGS[state.lang] || STRINGS.en;
    var s = table[key] !== undefined ? table[key] : STRINGS.en[key];
    var args = arguments;
    return s.replace(/\{(\d)\}/g, function (_, k) { return String(args[+k + 1]); });
  }
  function plural(k, one, many) { return k + " " + t(k === 1 ? one : many); }
  function count(k, word) { return plural(k, word + "1", word + "N"); }

  var state = {
    lang: "en",
    tokens: [],
    query: "",
    hidden: { cls: new Set(), rel: new Set(), src: new Set() },
    overview: data.overview > 0,  // big graphs open on an overview of the best-connected
    focus: null,                  // an entity whose neighbourhood alone is shown
    selected: null,               // the entity whose details are shown
    fact: null,                   // ... or the fact
    isolated: false,              // entities without any fact are hidden (their number is shown)
    years: null                   // [from, to] when the timeline filters
  };
  var byId = new Map();
  var byEid = new Map();
  data.nodes.forEach(function (n) { byId.set(n.id, n); byEid.set(n.eid, n); });
  var edgeById = new Map();
  var incident = new Map();
  data.nodes.forEach(function (n) { incident.set(n.id, []); });
  data.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    incident.get(e.from).push(e);
    if (e.to !== e.from) incident.get(e.to).push(e);
  });
  // What search looks in besides names: a fact's quotes, amount, date and role; a figure's
  // amount, measure and quotes (folded once here rather than shipped twice in the page).
  function quotesOf(evidence) { return evidence.map(function (ev) { return ev.quote; }); }
  data.nodes.forEach(function (n) {
    n.names = Object.keys(n.labels).map(function (k) { return fold(n.labels[k]); })
      .concat(n.aliases.map(fold), [fold(n.eid)]);
    n.figures.forEach(function (f) {
      f.said = fold([f.amount || "", f.date || ""].concat(Object.keys(f.measure).map(function (k) { return f.measure[k]; }), quotesOf(f.evidence)).join(" "));
    });
  });
  data.edges.forEach(function (e) {
    e.said = fold([e.amount || "", e.date || ""].concat(Object.keys(e.role).map(function (k) { return e.role[k]; }), quotesOf(e.evidence)).join(" "));
  });
  var sourceByIri = new Map(data.sources.map(function (s) { return [s.iri, s]; }));
  var sourceById = new Map(data.sources.map(function (s) { return [s.id, s]; }));
  var classByName = new Map(data.classes.map(function (c) { return [c.name, c]; }));
  var relationByName = new Map(data.relations.map(function (r) { return [r.name, r]; }));
  var isolatedCount = data.nodes.filter(function (n) { return n.degree === 0; }).length;

  // ------------------------------------------------------------------ text helpers
  // The search key, as pipeline/text.py folds (tests/test_text.py holds the two equal): no
  // diacritics, lower case, whitespace runs as one space, every dash as "-" with no space
  // around it, ends trimmed.
  function fold(s) {
    return s.normalize("NFC").replace(/[đĐ]/g, "d").normalize("NFD").replace(/\p{Mn}/gu, "")
      .toLowerCase().replace(/[-\u2010-\u2015]/g, "-").replace(/\s+/g, " ")
      .replace(/ ?- ?/g, "-").trim();
  }
  // Bidi embedding, override and isolate controls and the direction marks would let a
  // label reorder the text around it ("\u202egnp.exe" shown as "exe.png"): removed.
  var BIDI = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
  function safe(s) { return String(s).replace(BIDI, ""); }
  function squash(s) { return s.replace(/\s+/g, " ").trim(); }  // PDF line breaks as spaces
  function clip(s) {
    var chars = Array.from(s);
    return chars.length > LABEL_CLIP ? chars.slice(0, LABEL_CLIP - 1).join("") + "…" : s;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = safe(text);
    if (cls) e.className = cls;
    return e;
  }
  function label(n) { var l = n.labels; return safe(l[state.lang] || l.en || l.vi || l.ja || l[""] || n.eid); }
  function sourceTitle(iri) {
    var s = sourceByIri.get(iri);
    if (!s) return safe(iri);
    return safe(s.titles[state.lang] || s.titles.vi || s.titles.en || s.id);
  }
  function humanize(name) { return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase(); }
  function termLabel(row, name) {
    if (row && row.labels) return row.labels[state.lang] || row.labels.en;
    var term = data.terms[name];
    return term ? term[state.lang] || term.en : humanize(name);
  }
  function relLabel(name) { return termLabel(relationByName.get(name), name); }
  function classLabel(name) { return termLabel(classByName.get(name), name); }
  function roleText(e) { return e.role[state.lang] || e.role.en || e.role.vi || e.role[""] || ""; }
  function qualifiers(e) {
    var q = [];
    if (e.date) q.push(e.date);
    if (e.amount) q.push(e.amount);
    if (e.rank) q.push(t("rank", e.rank));
    if (e.share) q.push(t("share", e.share));
    var role = roleText(e);
    if (role) q.push(role);
    return q;
  }
  function year(date) { var y = parseInt(String(date).slice(0, 4), 10); return isNaN(y) ? null : y; }
  // The node shapes in a 20 × 20 box, for the legend and the SVG export.
  var SHAPE_POINTS = {
    diamond: "10,1 19,10 10,19 1,10",
    triangle: "10,2 19,18 1,18",
    triangleDown: "1,2 19,2 10,18",
    hexagon: "5,2 15,2 20,10 15,18 5,18 0,10",
    star: "10,1 12.6,7 19,7.5 14,11.6 15.6,18 10,14.5 4.4,18 6,11.6 1,7.5 7.4,7"
  };
  // A class's legend mark: the node shape drawn in its colour (an SVG built node by node).
  function shapeIcon(shape, color, size) {
    size = size || 14;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", size); svg.setAttribute("height", size);
    svg.setAttribute("viewBox", "0 0 20 20"); svg.setAttribute("class", "shape");
    svg.setAttribute("aria-hidden", "true");
    var pts = SHAPE_POINTS[shape];
    var mark;
    if (shape === "square") {
      mark = document.createElementNS(SVG, "rect");
      mark.setAttribute("x", 2); mark.setAttribute("y", 2); mark.setAttribute("width", 16); mark.setAttribute("height", 16);
    } else if (pts) {
      mark = document.createElementNS(SVG, "polygon");
      mark.setAttribute("points", pts);
    } else {
      mark = document.createElementNS(SVG, "circle");
      mark.setAttribute("cx", 10); mark.setAttribute("cy", 10); mark.setAttribute("r", 8);
    }
    mark.setAttribute("fill", color); mark.setAttribute("stroke", "#0005"); mark.setAttribute("stroke-width", "1");
    svg.appendChild(mark);
    return svg;
  }

  // ------------------------------------------------------------------ what is shown
  function inYears(date) {
    if (!state.years) return true;
    var y = year(date);
    return y !== null && y >= state.years[0] && y <= state.years[1];
  }
  function nodeDates(n) {
    var out = [];
    Object.keys(n.dates).forEach(function (k) { out = out.concat(n.dates[k]); });
    return out;
  }
  function relationOk(e) { return !state.hidden.rel.has(e.relation); }
  function sourceOk(e) {
    if (!state.hidden.src.size) return true;
    return e.sources.some(function (s) { return !state.hidden.src.has(s); });
  }
  // With a time range, a fact shows when it is dated within it, or when it links an
  // entity dated within it (an event of those years and its organisers).
  function timeOk(e) {
    if (!state.years) return true;
    if (e.date) return inYears(e.date);
    return nodeInYears(byId.get(e.from)) || nodeInYears(byId.get(e.to));
  }
  function nodeInYears(n) { return nodeDates(n).some(inYears); }
  function edgeOk(e) { return relationOk(e) && sourceOk(e) && timeOk(e); }
  // Class filter, and with some sources unticked or a time range: only entities spoken of.
  function nodeOk(n) {
    if (state.hidden.cls.has(n.cls)) return false;
    if (state.hidden.src.size && !incident.get(n.id).some(sourceOk)) return false;
    if (state.years && !nodeInYears(n) && !incident.get(n.id).some(function (e) { return edgeOk(e); })) return false;
    return true;
  }
  function neighbours(n) {
    var out = [];
    incident.get(n.id).forEach(function (e) {
      if (edgeOk(e)) out.push(byId.get(e.from === n.id ? e.to : e.from));
    });
    return out;
  }
  function matches(text) {
    for (var i = 0; i < state.tokens.length; i++) if (text.indexOf(state.tokens[i]) === -1) return false;
    return true;
  }
  // Best first: a name equal to the query, then one starting with it, then containing it.
  function matchScore(n) {
    var best = 3;
    n.names.forEach(function (name) {
      if (name === state.query) best = 0;
      else if (best > 1 && name.indexOf(state.query) === 0) best = 1;
      else if (best > 2 && name.indexOf(state.query) !== -1) best = 2;
    });
    return best;
  }

  var shownNodes = new Set();
  var shownEdges = new Set();
  var matchList = [];
  var factMatches = [];   // [{kind: "fact", edge} | {kind: "figure", node, figure}] whose words match
  var mode = "all";

  function recompute() {
    var shown = new Set();
    matchList = [];
    factMatches = [];
    if (state.tokens.length) {
      mode = "search";
      var found = new Set();
      data.nodes.forEach(function (n) {
        if (!nodeOk(n)) return;
        if (matches(n.search)) { matchList.push(n); found.add(n.id); }
        n.figures.forEach(function (f) { if (matches(f.said)) factMatches.push({ kind: "figure", node: n, figure: f }); });
      });
      data.edges.forEach(function (e) {
        if (edgeOk(e) && matches(e.said) && nodeOk(byId.get(e.from)) && nodeOk(byId.get(e.to))) factMatches.push({ kind: "fact", edge: e });
      });
      matchList.sort(function (a, b) { return matchScore(a) - matchScore(b) || b.degree - a.degree || a.rank - b.rank; });
      var top = matchList.slice(0, MAX_MATCHES);
      top.forEach(function (n) { shown.add(n.id); });
      if (top.length <= NEIGHBOUR_LIMIT) {
        top.forEach(function (n) {
          neighbours(n).forEach(function (m) { if (nodeOk(m)) shown.add(m.id); });
        });
      }
      // Facts and figures found by their words are listed; they are drawn when no name
      // matches ("800.000", "590 tỷ"), so that a name search stays a name search.
      if (!matchList.length) {
        factMatches.slice(0, MAX_MATCHES).forEach(function (m) {
          if (m.kind === "fact") { shown.add(m.edge.from); shown.add(m.edge.to); } else shown.add(m.node.id);
        });
      }
    } else if (state.focus) {
      mode = "focus";
      var f = byId.get(state.focus);
      shown.add(f.id);
      neighbours(f).forEach(function (m) { if (nodeOk(m)) shown.add(m.id); });
    } else if (state.overview) {
      mode = "overview";
      data.nodes.forEach(function (n) { if (n.ox !== undefined && nodeOk(n)) shown.add(n.id); });
    } else {
      mode = "all";
      data.nodes.forEach(function (n) { if (nodeOk(n) && (state.isolated || n.degree > 0)) shown.add(n.id); });
    }
    var edgesShown = new Set();
    data.edges.forEach(function (e) {
      if (edgeOk(e) && shown.has(e.from) && shown.has(e.to)) edgesShown.add(e.id);
    });
    shownNodes = shown;
    shownEdges = edgesShown;
  }

  // ------------------------------------------------------------------ the network
  var options = data.options;
  options.physics = { enabled: false };
  options.layout = { improvedLayout: false, randomSeed: 1 };
  options.interaction = { hover: true, tooltipDelay: 120, hideEdgesOnDrag: data.nodes.length > 1000,
                          hideEdgesOnZoom: data.nodes.length > 1000, keyboard: false, multiselect: false };
  // Labels by zoom level: a label is drawn once it would be at least 8 px tall on screen,
  // and hubs have larger fonts, so zoomed out only the hubs are named.
  options.nodes = { borderWidth: 1, borderWidthSelected: 3,
                    font: { size: 13, color: "#1f2933", strokeWidth: 3, strokeColor: "#ffffff" },
                    scaling: { label: { enabled: false, drawThreshold: 8 } },
                    widthConstraint: { maximum: 190 } };
  options.edges = Object.assign(options.edges || {}, {
    arrows: { to: { enabled: true, scaleFactor: 0.55 } },
    color: { color: "#a3acb9", highlight: "#1f2933", hover: "#52606d", inherit: false },
    font: { size: 10, color: "#52606d", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
    scaling: { label: { enabled: false, drawThreshold: 8 } },
    width: 1, selectionWidth: 1.5, hoverWidth: 0.5
  });

  // The layout is wider than tall (labels need width); in a window taller than wide (a
  // phone held upright) it is turned a quarter when that draws it larger.
  var graphBox = document.getElementById("graph").getBoundingClientRect();
  var turned = (function () {
    var linked = data.nodes.filter(function (n) { return n.degree > 0; });
    if (!NARROW.matches || !linked.length || graphBox.height <= graphBox.width) return false;
    var xs = linked.map(function (n) { return n.x; }), ys = linked.map(function (n) { return n.y; });
    var sx = Math.max.apply(null, xs) - Math.min.apply(null, xs) + 1, sy = Math.max.apply(null, ys) - Math.min.apply(null, ys) + 1;
    var W = graphBox.width, H = graphBox.height;
    return Math.min(W / sy, H / sx) > 1.1 * Math.min(W / sx, H / sy);
  })();
  function at(x, y) { return turned ? { x: -y, y: x } : { x: x, y: y }; }
  var usingOverviewPositions = state.overview;
  function visNode(n) {
    var overview = usingOverviewPositions && n.ox !== undefined;
    var p = overview ? at(n.ox, n.oy) : at(n.x, n.y);
    return { id: n.id, label: clip(label(n)), x: p.x, y: p.y,
             size: n.size, color: n.color, shape: n.shape, font: { size: n.font.size } };
  }
  function visEdge(e) {
    return { id: e.id, from: e.from, to: e.to, label: clip(relLabel(e.relation)), smooth: e.smooth };
  }
  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var edges = new vis.DataSet(data.edges.map(visEdge));
  recompute();
  var nodeView = new vis.DataView(nodes, { filter: function (item) { return shownNodes.has(item.id); } });
  var edgeView = new vis.DataView(edges, { filter: function (item) { return shownEdges.has(item.id); } });
  var container = document.getElementById("graph");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);

  // Overview positions belong to the overview; every other view uses the full layout.
  function placeNodes() {
    var want = mode === "overview";
    if (want === usingOverviewPositions) return;
    usingOverviewPositions = want;
    nodes.update(data.nodes.filter(function (n) { return n.ox !== undefined; }).map(function (n) {
      var p = want ? at(n.ox, n.oy) : at(n.x, n.y);
      return { id: n.id, x: p.x, y: p.y };
    }));
  }

  // Labels by zoom level: vis draws a label once it is at least 8 px tall on screen, so
  // zooming in names more entities; zoomed out, the best-connected shown entities (and the
  // search matches) get a font large enough to stay named, so the overview is readable.
  var HUBS_NAMED = NARROW.matches ? 8 : 16;
  var highlighted = new Set();
  var boosted = new Map();   // id → font size set for the current zoom
  function fontFor(id, scale) {
    var n = byId.get(id);
    var size = n.font.size;
    if (highlighted.has(id)) size = Math.max(size, 10 / scale);
    else if (hubs.has(id)) size = Math.max(size, 9 / scale);
    return Math.min(Math.round(size), 400);
  }
  var hubs = new Set();
  function labelForZoom() {
    var scale = network.getScale() || 1;
    var shown = data.nodes.filter(function (n) { return shownNodes.has(n.id) && n.degree > 0; })
      .sort(function (a, b) { return a.rank - b.rank; });
    hubs = new Set(shown.slice(0, HUBS_NAMED).map(function (n) { return n.id; }));
    var update = [];
    var want = new Map();
    hubs.forEach(function (id) { want.set(id, fontFor(id, scale)); });
    highlighted.forEach(function (id) { want.set(id, fontFor(id, scale)); });
    boosted.forEach(function (size, id) { if (!want.has(id)) want.set(id, byId.get(id).font.size); });
    want.forEach(function (size, id) {
      if (boosted.get(id) === size) return;
      update.push({ id: id, font: { size: size, background: highlighted.has(id) ? "#ffe58a" : "rgba(0,0,0,0)" },
                    widthConstraint: { maximum: Math.round(190 * Math.max(1, size / 13)) },
                    borderWidth: highlighted.has(id) ? 3 : 1 });
      if (size === byId.get(id).font.size && !highlighted.has(id)) boosted.delete(id); else boosted.set(id, size);
    });
    if (update.length) nodes.update(update);
  }
  function highlightMatches() {
    var before = highlighted;
    highlighted = new Set(mode === "search" ? matchList.slice(0, MAX_MATCHES).map(function (n) { return n.id; }) : []);
    before.forEach(function (id) { if (!highlighted.has(id)) boosted.set(id, -1); });  // forces a reset
    highlighted.forEach(function (id) { boosted.set(id, -1); });
  }
  var zoomTimer = null;
  network.on("zoom", function () { clearTimeout(zoomTimer); zoomTimer = setTimeout(labelForZoom, 80); });
  network.on("animationFinished", labelForZoom);

  // Fit what is shown; when search matches lie far apart, close in on the best one.
  function fitShown() {
    var ids = nodeView.getIds();
    if (!ids.length) return;
    network.fit({ nodes: ids, animation: false });
    if (mode === "search" && matchList.length > 1 && network.getScale() < 0.45) {
      var best = matchList[0];
      var near = [best.id].concat(neighbours(best).map(function (m) { return m.id; }))
        .filter(function (id) { return shownNodes.has(id); });
      network.fit({ nodes: near, animation: false });
    }
    if (network.getScale() > 1.4) network.moveTo({ scale: 1.4, animation: false });
    labelForZoom();
  }

  function refresh(fit) {
    var before = mode;
    recompute();
    placeNodes();
    nodeView.refresh();
    edgeView.refresh();
    highlightMatches();
    renderStatus();
    renderResults();
    if (fit || before !== mode) fitShown(); else labelForZoom();
    saveUrl();
  }

  // ------------------------------------------------------------------ status & actions
  function actionButton(text, onClick) {
    var b = el("button", text, "btn");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function resetFilters() {
    ["cls", "rel", "src"].forEach(function (k) { state.hidden[k].clear(); });
    state.years = null;
    syncControls();
    refresh(true);
  }
  function renderStatus() {
    var status = document.getElementById("status");
    var actions = document.getElementById("actions");
    status.replaceChildren();
    actions.replaceChildren();
    var counts = t("shownCounts", count(nodeView.length, "entity"), data.nodes.length,
      count(edgeView.length, "fact"), data.edges.length);
    if (mode === "overview") {
      status.appendChild(el("div", t("overview", data.overview, data.nodes.length)));
      actions.appendChild(actionButton(t("showAll", data.nodes.length), function () { state.overview = false; refresh(true); }));
    } else if (mode === "search") {
      var text = count(matchList.length + factMatches.length, "match");
      if (matchList.length > MAX_MATCHES) text += t("showingFirst", MAX_MATCHES);
      else if (matchList.length && matchList.length <= NEIGHBOUR_LIMIT) text += t("withNeighbours");
      status.appendChild(el("div", text));
      actions.appendChild(actionButton(t("clearSearch"), clearSearch));
    } else if (mode === "focus") {
      status.appendChild(el("div", t("neighbourhoodOf", label(byId.get(state.focus)))));
      actions.appendChild(actionButton(data.overview && state.overview ? t("backToOverview") : t("showEverything"), function () {
        state.focus = null; refresh(true);
      }));
    } else if (!state.isolated && isolatedCount) {
      status.appendChild(el("div", t("isolatedHidden", isolatedCount)));
    }
    if (state.years) status.appendChild(el("div", t("timeActive", state.years[0], state.years[1])));
    status.appendChild(el("div", counts, "muted"));
    if (state.hidden.cls.size || state.hidden.rel.size || state.hidden.src.size || state.years) {
      actions.appendChild(actionButton(t("resetFilters"), resetFilters));
    }
  }

  // ------------------------------------------------------------------ search results
  function resultButton(onClick) {
    var b = el("button");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function renderResults() {
    var list = document.getElementById("results");
    list.replaceChildren();
    if (mode !== "search") return;
    matchList.slice(0, RESULTS_LISTED).forEach(function (n) {
      var li = el("li");
      var b = resultButton(function () { select(n.id, true); });
      b.dataset.node = n.id;
      b.appendChild(shapeIcon(n.shape, n.color, 12));
      b.appendChild(el("span", label(n), "name"));
      b.appendChild(el("span", classLabel(n.cls), "muted"));
      b.title = label(n);
      li.appendChild(b);
      list.appendChild(li);
    });
    if (matchList.length > RESULTS_LISTED) list.appendChild(el("li", t("andMore", matchList.length - RESULTS_LISTED), "more"));
    if (factMatches.length) list.appendChild(el("li", t("factsHeading"), "more"));
    factMatches.slice(0, FACTS_LISTED).forEach(function (m) {
      var li = el("li");
      var b, text, quote;
      if (m.kind === "fact") {
        var e = m.edge;
        b = resultButton(function () { selectFact(e.id, true); });
        b.dataset.fact = e.id;
        text = label(byId.get(e.from)) + " — " + relLabel(e.relation) + " → " + label(byId.get(e.to));
        quote = e.evidence.length ? e.evidence[0].quote : qualifiers(e).join(" · ");
        b.appendChild(el("span", t("factKind"), "kind"));
      } else {
        var n = m.node, f = m.figure;
        b = resultButton(function () { select(n.id, true); showFigure(f); });
        b.dataset.node = n.id;
        b.dataset.figure = "1";
        text = label(n) + " · " + (f.measure[state.lang] || f.measure.en || f.measure.vi || "") + " " + (f.amount || "");
        quote = f.evidence.length ? f.evidence[0].quote : "";
        b.appendChild(el("span", t("figureKind"), "kind"));
      }
      b.appendChild(el("span", text, "name"));
      b.title = quote;
      li.appendChild(b);
      list.appendChild(li);
    });
    if (factMatches.length > FACTS_LISTED) list.appendChild(el("li", t("andMore", factMatches.length - FACTS_LISTED), "more"));
    if (!matchList.length && !factMatches.length) list.appendChild(el("li", t("noMatch"), "more"));
  }

  var search = document.getElementById("search");
  var searchTimer = null;
  function applySearch() {
    state.query = fold(search.value.trim()).replace(/\s+/g, " ");
    state.tokens = state.query ? state.query.split(" ") : [];
    refresh(true);
  }
  function clearSearch() { search.value = ""; applySearch(); }
  search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applySearch, data.nodes.length > 1000 ? 120 : 0);
  });
  function resultButtons() { return Array.prototype.slice.call(document.querySelectorAll("#results button")); }
  // ↑ ↓ move through the results (from the search box and between them), Enter opens one.
  function moveInResults(ev) {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    var buttons = resultButtons();
    if (!buttons.length) return;
    ev.preventDefault();
    var at = buttons.indexOf(document.activeElement);
    var next = ev.key === "ArrowDown" ? at + 1 : at - 1;
    if (next < 0) { search.focus(); return; }
    buttons[Math.min(next, buttons.length - 1)].focus();
  }
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      clearTimeout(searchTimer); applySearch();
      var first = resultButtons()[0];
      if (first) first.click();
    }
    if (ev.key === "Escape") clearSearch();
    moveInResults(ev);
  });
  document.getElementById("results").addEventListener("keydown", function (ev) {
    moveInResults(ev);
    if (ev.key === "Escape") search.focus();
  });
  document.addEventListener("keydown", function (ev) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (ev.key === "/" && !typing) { ev.preventDefault(); openDrawer("controls"); search.focus(); }
    if (ev.key === "Escape" && !reader.hidden) closeReader();
    else if (ev.key === "Escape" && !typing) closeDrawers();
  });

  // ------------------------------------------------------------------ filters (also the legend)
  function filterRow(container, key, value, count, icon, depth) {
    var row = el("label");
    if (!count) row.classList.add("empty");
    if (depth) row.style.paddingLeft = (depth * 14) + "px";
    var box = el("input");
    box.type = "checkbox"; box.checked = true;
    box.dataset.filter = key; box.value = value;
    row.appendChild(box);
    if (icon) row.appendChild(icon);
    var span = el("span", "", "text");
    row.appendChild(span);
    row.appendChild(el("span", String(count), "count"));
    container.appendChild(row);
    return box;
  }
  var labelled = [];  // [span, function giving its text in the current language]
  function labelledSpan(box, text) {
    var span = box.parentNode.querySelector(".text");
    labelled.push([span, text]);
    return span;
  }
  var classBoxes = new Map();
  var classChildren = new Map();
  data.classes.forEach(function (c) {
    if (c.parent) { if (!classChildren.has(c.parent)) classChildren.set(c.parent, []); classChildren.get(c.parent).push(c.name); }
  });
  function descendants(name) {
    var out = [name];
    (classChildren.get(name) || []).forEach(function (k) { out = out.concat(descendants(k)); });
    return out;
  }
  var classContainer = document.getElementById("class-filters");
  data.classes.forEach(function (c) {
    var total = descendants(c.name).reduce(function (s, k) { var r = classByName.get(k); return s + (r ? r.count : 0); }, 0);
    var box = filterRow(classContainer, "cls", c.name, total, shapeIcon(c.shape, c.color), c.depth);
    labelledSpan(box, function () { return classLabel(c.name); });
    classBoxes.set(c.name, box);
    box.addEventListener("change", function () {
      descendants(c.name).forEach(function (k) {
        if (box.checked) state.hidden.cls.delete(k); else state.hidden.cls.add(k);
      });
      syncControls();
      refresh(false);
    });
  });
  var relationContainer = document.getElementById("relation-filters");
  data.relations.forEach(function (r) {
    var box = filterRow(relationContainer, "rel", r.name, r.count);
    labelledSpan(box, function () { return relLabel(r.name); });
    box.addEventListener("change", function () {
      if (box.checked) state.hidden.rel.delete(r.name); else state.hidden.rel.add(r.name);
      refresh(false);
    });
  });
  var sourceContainer = document.getElementById("source-filters");
  data.sources.forEach(function (s) {
    var box = filterRow(sourceContainer, "src", s.iri, s.count);
    labelledSpan(box, function () { return sourceTitle(s.iri); });
    box.addEventListener("change", function () {
      if (box.checked) state.hidden.src.delete(s.iri); else state.hidden.src.add(s.iri);
      refresh(false);
    });
  });
  var bulkButtons = [];
  document.querySelectorAll(".bulk").forEach(function (span) {
    var key = span.dataset.group;
    [["all", true], ["none", false]].forEach(function (pair) {
      var b = el("button", "", "link");
      b.type = "button";
      bulkButtons.push([b, pair[0]]);
      b.addEventListener("click", function () {
        document.querySelectorAll("input[data-filter=" + key + "]").forEach(function (box) {
          if (pair[1]) state.hidden[key].delete(box.value); else state.hidden[key].add(box.value);
        });
        syncControls();
        refresh(false);
      });
      span.appendChild(b);
    });
  });

  // The view toggles: entities without facts, and places (the Place class and its subclasses).
  var isolatedBox = document.getElementById("show-isolated");
  var placesBox = document.getElementById("show-places");
  var placeClasses = classByName.has("Place") ? descendants("Place") : [];
  if (!isolatedCount) isolatedBox.parentNode.hidden = true;
  if (!placeClasses.length) placesBox.parentNode.hidden = true;
  isolatedBox.addEventListener("change", function () { state.isolated = isolatedBox.checked; refresh(true); });
  placesBox.addEventListener("change", function () {
    placeClasses.forEach(function (k) { if (placesBox.checked) state.hidden.cls.delete(k); else state.hidden.cls.add(k); });
    syncControls();
    refresh(false);
  });

  // ------------------------------------------------------------------ the timeline
  // One bar per year: the dated facts and the dated entities (events, launches) of that
  // year. Two sliders choose the years shown; the bars in range are darker.
  var timeline = document.getElementById("timeline");
  var perYear = new Map();
  data.edges.forEach(function (e) { var y = e.date ? year(e.date) : null; if (y !== null) perYear.set(y, (perYear.get(y) || 0) + 1); });
  data.nodes.forEach(function (n) { nodeDates(n).forEach(function (d) { var y = year(d); if (y !== null) perYear.set(y, (perYear.get(y) || 0) + 1); }); });
  var yearList = Array.from(perYear.keys()).sort(function (a, b) { return a - b; });
  var fromBox, toBox, yearsText, bars = [];
  if (yearList.length) {
    var first = yearList[0], last = yearList[yearList.length - 1];
    var most = Math.max.apply(null, Array.from(perYear.values()));
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + (last - first + 1) * 10 + " 40");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    for (var y = first; y <= last; y++) {
      var k = perYear.get(y) || 0;
      var bar = document.createElementNS(SVG, "rect");
      var h = k ? Math.max(2, 38 * k / most) : 0;
      bar.setAttribute("x", (y - first) * 10 + 1); bar.setAttribute("width", 8);
      bar.setAttribute("y", 40 - h); bar.setAttribute("height", h);
      bar.setAttribute("class", "bar on");
      svg.appendChild(bar);
      bars.push([y, bar]);
    }
    timeline.appendChild(svg);
    var range = el("div", null, "range");
    fromBox = el("input"); toBox = el("input");
    [fromBox, toBox].forEach(function (box, i) {
      box.type = "range"; box.min = first; box.max = last; box.step = 1;
      box.value = i ? last : first;
      box.dataset.time = i ? "to" : "from";
      box.addEventListener("input", function () {
        var a = +fromBox.value, b = +toBox.value;
        if (a > b) { if (i) fromBox.value = b; else toBox.value = a; }
        a = +fromBox.value; b = +toBox.value;
        state.years = a === first && b === last ? null : [a, b];
        syncControls();
        refresh(false);
      });
    });
    range.appendChild(el("span", String(first), "muted"));
    range.appendChild(fromBox);
    range.appendChild(el("span"));
    range.appendChild(el("span"));
    range.appendChild(toBox);
    range.appendChild(el("span", String(last), "muted"));
    timeline.appendChild(range);
    yearsText = el("div", "", "muted");
    timeline.appendChild(yearsText);
  } else {
    timeline.parentNode.hidden = true;
  }

  // Checkboxes, sliders and toggles from the state (after a filter, the URL or a reset).
  function syncControls() {
    classBoxes.forEach(function (box, name) { box.checked = !state.hidden.cls.has(name); });
    document.querySelectorAll("input[data-filter=rel]").forEach(function (b) { b.checked = !state.hidden.rel.has(b.value); });
    document.querySelectorAll("input[data-filter=src]").forEach(function (b) { b.checked = !state.hidden.src.has(b.value); });
    placesBox.checked = !placeClasses.every(function (k) { return state.hidden.cls.has(k); });
    isolatedBox.checked = state.isolated;
    if (fromBox) {
      var span = state.years || [yearList[0], yearList[yearList.length - 1]];
      fromBox.value = span[0]; toBox.value = span[1];
      bars.forEach(function (p) { p[1].setAttribute("class", p[0] >= span[0] && p[0] <= span[1] ? "bar on" : "bar"); });
      yearsText.textContent = state.years ? t("years", span[0], span[1]) : t("allYears") + " · " +
        t("undatedNote", Array.from(perYear.values()).reduce(function (a, b) { return a + b; }, 0));
    }
  }

  // ------------------------------------------------------------------ language
  function translateStatic() {
    document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = t(e.dataset.i18n); });
    document.querySelectorAll("[data-i18n-label]").forEach(function (e) { e.setAttribute("aria-label", t(e.dataset.i18nLabel)); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (e) { e.placeholder = t(e.dataset.i18nPlaceholder); });
    document.querySelectorAll("[data-i18n-title]").forEach(function (e) { e.title = t(e.dataset.i18nTitle); });
    labelled.forEach(function (pair) { pair[0].textContent = safe(pair[1]()); pair[0].title = pair[0].textContent; });
    bulkButtons.forEach(function (pair) { pair[0].textContent = t(pair[1]); });
    document.getElementById("isolated-text").textContent = t("showIsolated", isolatedCount);
    if (data.title === STRINGS.en.title) {  // the default title is part of the interface
      document.title = t("title");
      document.querySelectorAll("h1, #topbar-title").forEach(function (e) { e.textContent = t("title"); });
    }
    document.getElementById("summary").textContent = t("summary", count(data.nodes.length, "entity"),
      count(data.edges.length, "fact"), count(data.sources.length, "source"));
  }
  function setLang(lang) {
    state.lang = STRINGS[lang] ? lang : "en";
    document.querySelectorAll("input[name=lang]").forEach(function (r) { r.checked = r.value === state.lang; });
    hideTip();
    nodes.update(data.nodes.map(function (n) { return { id: n.id, label: clip(label(n)) }; }));
    edges.update(data.edges.map(function (e) { return { id: e.id, label: clip(relLabel(e.relation)) }; }));
    document.documentElement.lang = state.lang;
    translateStatic();
    syncControls();
    renderResults();
    renderStatus();
    renderPanel();
    if (!reader.hidden && readerAt) openReader(readerAt);
  }
  document.querySelectorAll("input[name=lang]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { setLang(r.value); saveUrl(); } });
  });

  // ------------------------------------------------------------------ tooltips
  var tip = document.getElementById("tip");
  function nodeTip(n) {
    var box = document.createDocumentFragment();
    box.appendChild(el("div", label(n), "head"));
    box.appendChild(el("div", classLabel(n.cls) + " · " + count(n.degree, "fact"), "line"));
    ["vi", "en", "ja"].forEach(function (l) { if (n.labels[l]) box.appendChild(el("div", l + ": " + n.labels[l], "line")); });
    if (n.aliases.length) box.appendChild(el("div", t("alsoTip", n.aliases.join(", ")), "line"));
    return box;
  }
  function edgeTip(e) {
    var box = document.createDocumentFragment();
    box.appendChild(el("div", label(byId.get(e.from)) + " — " + relLabel(e.relation) + " → " + label(byId.get(e.to)), "head"));
    var q = qualifiers(e);
    if (q.length) box.appendChild(el("div", q.join(" · "), "line"));
    e.evidence.slice(0, 3).forEach(function (ev) {
      box.appendChild(el("blockquote", "“" + ev.quote + "”"));
      box.appendChild(el("div", "— " + sourceTitle(ev.source), "src"));
    });
    if (e.evidence.length > 3) box.appendChild(el("div", t("moreQuotes", e.evidence.length - 3), "src"));
    if (!e.evidence.length) box.appendChild(el("div", t("noEvidence"), "src"));
    return box;
  }
  function showTip(content, pointer) {
    tip.replaceChildren(content);
    tip.hidden = false;
    var stage = container.getBoundingClientRect();
    var x = pointer.x + 14, y = pointer.y + 14;
    if (x + tip.offsetWidth > stage.width - 4) x = Math.max(4, pointer.x - tip.offsetWidth - 10);
    if (y + tip.offsetHeight > stage.height - 4) y = Math.max(4, pointer.y - tip.offsetHeight - 10);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; tip.replaceChildren(); }
  network.on("hoverNode", function (p) { showTip(nodeTip(byId.get(p.node)), p.pointer.DOM); });
  network.on("hoverEdge", function (p) { showTip(edgeTip(edgeById.get(p.edge)), p.pointer.DOM); });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  // ------------------------------------------------------------------ drawers (narrow screens)
  var drawers = { controls: document.getElementById("controls"), details: document.getElementById("details") };
  var openers = { controls: document.getElementById("open-controls"), details: document.getElementById("open-details") };
  var scrim = document.getElementById("scrim");
  function openDrawer(name) {
    if (!NARROW.matches) return;
    Object.keys(drawers).forEach(function (k) {
      drawers[k].classList.toggle("open", k === name);
      openers[k].setAttribute("aria-expanded", String(k === name));
    });
    scrim.hidden = false;
  }
  function closeDrawers() {
    Object.keys(drawers).forEach(function (k) { drawers[k].classList.remove("open"); openers[k].setAttribute("aria-expanded", "false"); });
    scrim.hidden = true;
  }
  openers.controls.addEventListener("click", function () { openDrawer("controls"); });
  openers.details.addEventListener("click", function () { openDrawer("details"); });
  document.getElementById("close-controls").addEventListener("click", closeDrawers);
  scrim.addEventListener("click", closeDrawers);
  NARROW.addEventListener("change", function () { closeDrawers(); network.redraw(); });

  // ------------------------------------------------------------------ details panel
  var panel = document.getElementById("details");
  function panelStart() {
    panel.replaceChildren();
    var close = el("button", "×", "close");
    close.type = "button";
    close.setAttribute("aria-label", t("close"));
    close.addEventListener("click", closeDrawers);
    panel.appendChild(close);
  }
  function showIntro() {
    panelStart();
    panel.appendChild(el("h3", t("about")));
    panel.appendChild(el("p", t("aboutText", count(data.nodes.length, "entity"), count(data.edges.length, "fact"),
      count(data.sources.length, "source"))));
    var help = el("ul", null, "help");
    ["help1", "help2", "help3", "help4", "help5"].forEach(function (k) { help.appendChild(el("li", t(k))); });
    panel.appendChild(help);
    if (!data.nodes.length) panel.appendChild(el("p", t("emptyGraph"), "muted"));
    if (data.overview) panel.appendChild(el("p", t("bigGraph", data.overview), "muted"));
  }
  function renderPanel() {
    if (state.selected && byId.has(state.selected)) showDetails(state.selected);
    else if (state.fact && edgeById.has(state.fact)) showFact(state.fact);
    else showIntro();
  }

  function entityButton(n) {
    var b = el("button", label(n), "link");
    b.type = "button";
    b.dataset.node = n.id;
    b.addEventListener("click", function () { select(n.id, true); });
    return b;
  }

  var figureBoxes = new Map();  // the figures listed in the panel, to point at one
  function showFigure(f) {
    var box = figureBoxes.get(f);
    if (!box) return;
    box.classList.add("hit");
    box.scrollIntoView({ block: "nearest" });
  }
  function showDetails(id) {
    var n = byId.get(id);
    figureBoxes = new Map();
    panelStart();
    panel.appendChild(el("h3", label(n)));
    var chip = el("div", null, "chip");
    chip.appendChild(shapeIcon(n.shape, n.color, 13));
    chip.appendChild(el("span", classLabel(n.cls)));
    panel.appendChild(chip);
    var names = el("dl", null, "names");
    function row(k, v, lang) { names.appendChild(el("dt", k)); var dd = el("dd", v); if (lang) dd.lang = lang; names.appendChild(dd); }
    ["vi", "en", "ja"].forEach(function (l) { if (n.labels[l]) row(l, n.labels[l], l); });
    if (n.aliases.length) row(t("also"), n.aliases.join(", "));
    Object.keys(n.dates).forEach(function (k) { row(relLabel(k), n.dates[k].join(", ")); });
    row(t("id"), n.eid);
    panel.appendChild(names);
    panel.appendChild(el("div", n.id, "iri"));
    var bar = el("div");
    bar.style.marginTop = "8px";
    bar.appendChild(actionButton(t("showNeighbourhood"), function () {
      state.focus = id; clearTimeout(searchTimer); search.value = ""; state.tokens = []; state.query = ""; refresh(true); select(id, false);
    }));
    panel.appendChild(bar);

    var facts = incident.get(id).slice().sort(function (a, b) {
      return a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : (a.from === id ? 0 : 1) - (b.from === id ? 0 : 1);
    });
    panel.appendChild(el("h4", count(facts.length, "fact")));
    if (!facts.length) panel.appendChild(el("p", t("noFacts"), "muted"));
    facts.forEach(function (e) { panel.appendChild(factBox(e, id)); });
    if (n.figures.length) {
      panel.appendChild(el("h4", count(n.figures.length, "figure")));
      n.figures.forEach(function (f) {
        var box = el("div", null, "figure");
        figureBoxes.set(f, box);
        box.appendChild(el("div", f.measure[state.lang] || f.measure.en || f.measure.vi || "", "sentence"));
        box.appendChild(el("div", [f.amount, f.date].filter(Boolean).join(" · "), "quals"));
        appendEvidence(box, f.evidence);
        panel.appendChild(box);
      });
    }
  }

  // Every quote in its context (the text before and after it, as the annotation keeps
  // it), with its source's title and date and a way into the whole source text.
  function appendEvidence(box, evidence) {
    evidence.forEach(function (ev) {
      var q = el("blockquote");
      if (ev.prefix) q.appendChild(el("span", "…" + squash(ev.prefix) + " ", "ctx"));
      q.appendChild(el("span", "“" + ev.quote + "”", "quote-text"));
      if (ev.suffix) q.appendChild(el("span", " " + squash(ev.suffix) + "…", "ctx"));
      box.appendChild(q);
      var s = sourceByIri.get(ev.source);
      box.appendChild(el("div", "— " + sourceTitle(ev.source) + (s && s.issued ? " (" + s.issued + ")" : ""), "src"));
      if (s && s.text !== undefined && ev.start !== undefined) {
        var b = el("button", t("readSource"), "link readbtn");
        b.type = "button";
        b.addEventListener("click", function () { openReader(ev); });
        box.appendChild(b);
      }
    });
  }

  // One fact as a sentence (subject, relation, object), its qualifiers and every quote.
  function factBox(e, selfId) {
    var box = el("div", null, "fact");
    box.dataset.fact = e.id;
    var sentence = el("div", null, "sentence");
    [e.from, e.to].forEach(function (end, k) {
      var m = byId.get(end);
      sentence.appendChild(end === selfId ? el("span", label(m), "self") : entityButton(m));
      if (k === 0) sentence.appendChild(el("span", " " + relLabel(e.relation) + " ", "rel"));
    });
    box.appendChild(sentence);
    var q = qualifiers(e);
    if (q.length) box.appendChild(el("div", q.join(" · "), "quals"));
    appendEvidence(box, e.evidence);
    if (!e.evidence.length) box.appendChild(el("div", t("noEvidence"), "src"));
    return box;
  }

  function showFact(id) {
    var e = edgeById.get(id);
    panelStart();
    panel.appendChild(el("h3", relLabel(e.relation)));
    panel.appendChild(el("div", t("quotesFrom", count(e.evidence.length, "quote"), count(e.sources.length, "source")), "muted"));
    panel.appendChild(factBox(e, null));
    panel.appendChild(el("div", e.id, "iri"));
  }

  function select(id, move) {
    var n = byId.get(id);
    if (!n) return;
    if (!shownNodes.has(id)) { state.focus = id; clearTimeout(searchTimer); search.value = ""; state.tokens = []; state.query = ""; refresh(true); }
    state.selected = id;
    state.fact = null;
    network.selectNodes([id]);
    if (move) network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: { duration: 300 } });
    showDetails(id);
    openDrawer("details");
    saveUrl();
  }
  function selectFact(id, move) {
    var e = edgeById.get(id);
    if (!e) return;
    if (!shownEdges.has(id)) { state.focus = e.from; clearTimeout(searchTimer); search.value = ""; state.tokens = []; state.query = ""; refresh(true); }
    state.selected = null;
    state.fact = id;
    if (shownEdges.has(id)) network.selectEdges([id]);
    if (move) network.fit({ nodes: [e.from, e.to], animation: { duration: 300 } });
    showFact(id);
    openDrawer("details");
    saveUrl();
  }

  network.on("click", function (p) {
    if (p.nodes.length) select(p.nodes[0], false);
    else if (p.edges.length) selectFact(p.edges[0], false);
    else { state.selected = null; state.fact = null; showIntro(); saveUrl(); }
  });
  network.on("doubleClick", function (p) { if (p.nodes.length) { state.focus = p.nodes[0]; refresh(true); select(p.nodes[0], false); } });
  document.getElementById("fit").addEventListener("click", fitShown);

  // ------------------------------------------------------------------ the source reader
  // The whole text of the source, the quote marked and scrolled into view. Offsets are
  // code points into the NFC text, so the text is split into code points, not UTF-16 units.
  var reader = document.getElementById("reader");
  var readerText = document.getElementById("reader-text");
  var readerAt = null;
  var codePoints = new Map();
  var readerOpener = null;  // what had the focus: it gets it back when the reader closes
  function openReader(ev) {
    var s = sourceByIri.get(ev.source);
    if (reader.hidden) readerOpener = document.activeElement;
    readerAt = ev;
    document.getElementById("reader-title").textContent = sourceTitle(ev.source);
    document.getElementById("reader-meta").textContent = t("sourceText") + (s && s.issued ? " · " + t("issued", s.issued) : "") + " · " + (s ? s.id : "");
    readerText.replaceChildren();
    if (!s || s.text === undefined) { readerText.appendChild(el("p", t("noText"), "muted")); }
    else {
      if (!codePoints.has(s.iri)) codePoints.set(s.iri, Array.from(s.text));
      var chars = codePoints.get(s.iri);
      readerText.appendChild(document.createTextNode(safe(chars.slice(0, ev.start).join(""))));
      var mark = el("mark", chars.slice(ev.start, ev.end).join(""));
      readerText.appendChild(mark);
      readerText.appendChild(document.createTextNode(safe(chars.slice(ev.end).join(""))));
    }
    reader.hidden = false;
    scrim.hidden = false;
    var m = readerText.querySelector("mark");
    if (m) m.scrollIntoView({ block: "center" });
    document.getElementById("close-reader").focus();
  }
  function closeReader() {
    reader.hidden = true;
    readerAt = null;
    if (!Object.keys(drawers).some(function (k) { return drawers[k].classList.contains("open"); })) scrim.hidden = true;
    if (readerOpener && document.body.contains(readerOpener)) readerOpener.focus();
    readerOpener = null;
  }
  document.getElementById("close-reader").addEventListener("click", closeReader);
  scrim.addEventListener("click", closeReader);

  // ------------------------------------------------------------------ export what is shown
  function visibleFacts() { return data.edges.filter(function (e) { return shownEdges.has(e.id); }); }
  function save(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  // A cell a spreadsheet would run as a formula (= + - @, or a tab or CR before one) is
  // written with a leading apostrophe: labels and quotes are anybody's text.
  function csvCell(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\n\r]/.test(s) ? "\"" + s.replace(/"/g, "\"\"") + "\"" : s;
  }
  function toCsv() {
    var head = ["fact", "subject", "subject_label", "relation", "relation_label", "object", "object_label",
                "date", "amount", "rank", "share", "role", "sources", "quotes"];
    var rows = [head];
    visibleFacts().forEach(function (e) {
      var a = byId.get(e.from), b = byId.get(e.to);
      rows.push([e.id, a.eid, label(a), e.relation, relLabel(e.relation), b.eid, label(b), e.date, e.amount, e.rank,
                 e.share, roleText(e), e.sources.map(function (s) { return (sourceByIri.get(s) || { id: s }).id; }).join(" | "),
                 e.evidence.map(function (ev) { return ev.quote; }).join(" | ")]);
    });
    return "\uFEFF" + rows.map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
  }
  function iri(s) {
    return "<" + String(s).replace(/[\u0000-\u0020<>"{}|^`\\]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
    }) + ">";
  }
  function lit(s, lang) {
    var text = String(s).replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    return "\"" + text + "\"" + (lang ? "@" + lang : "");
  }
  function dateLit(d) {
    var type = /^\d{4}-\d{2}-\d{2}$/.test(d) ? "date" : /^\d{4}-\d{2}$/.test(d) ? "gYearMonth" : /^\d{4}$/.test(d) ? "gYear" : null;
    return type ? lit(d) + "^^xsd:" + type : lit(d);
  }
  function evidenceIris(ev) {
    if (ev.tgt !== undefined) return { target: ev.tgt, quote: ev.qs, position: ev.ps };
    var at = ev.ann.lastIndexOf("/annotation/");
    var base = ev.ann.slice(0, at), key = ev.ann.slice(at + "/annotation/".length);
    return { target: base + "/target/" + key, quote: base + "/selector/" + key + "-quote",
             position: ev.start !== undefined ? base + "/selector/" + key + "-position" : "" };
  }
  // The facts shown, each with its direct triple, its qualifiers and every piece of
  // evidence (annotation, target, quote and position selectors), the entities' names and
  // the sources' titles: Turtle that stands on its own, with the graph's own IRIs.
  function toTurtle() {
    var ns = data.ontology;
    var out = ["@prefix vjkg: " + iri(ns) + " .", "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
               "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .", "@prefix oa: <http://www.w3.org/ns/oa#> .",
               "@prefix prov: <http://www.w3.org/ns/prov#> .", "@prefix dct: <http://purl.org/dc/terms/> .", ""];
    var entities = new Set(), sources = new Set();
    visibleFacts().forEach(function (e) {
      entities.add(e.from); entities.add(e.to);
      var p = [iri(e.id) + " a vjkg:Fact", "vjkg:subject " + iri(e.from), "vjkg:relation " + iri(ns + e.relation), "vjkg:object " + iri(e.to)];
      if (e.date) p.push("vjkg:date " + dateLit(e.date));
      if (e.rank) p.push("vjkg:rank " + lit(e.rank) + "^^" + data.datatypes.rank);
      if (e.share) p.push("vjkg:share " + lit(e.share) + "^^" + data.datatypes.share);
      Object.keys(e.role).forEach(function (l) { p.push("vjkg:role " + lit(e.role[l], l)); });
      var anns = e.evidence.filter(function (ev) { return ev.ann; });
      if (anns.length) p.push("prov:wasDerivedFrom " + anns.map(function (ev) { return iri(ev.ann); }).join(", "));
      out.push(p.join(" ;\n    ") + " .");
      out.push(iri(e.from) + " " + iri(ns + e.relation) + " " + iri(e.to) + " .");
      anns.forEach(function (ev) {
        sources.add(ev.source);
        var at = evidenceIris(ev);
        var s = sourceByIri.get(ev.source);
        var exact = ev.quote;
        if (s && s.text !== undefined && ev.start !== undefined) {
          if (!codePoints.has(s.iri)) codePoints.set(s.iri, Array.from(s.text));
          exact = codePoints.get(s.iri).slice(ev.start, ev.end).join("");
        }
        // how this source wrote the qualifiers lives on its evidence, not on the fact
        var wording = Object.keys(ev.wording || {}).sort().map(function (k) {
          return " ;\n    vjkg:" + k + " " + lit(ev.wording[k], "vi");
        }).join("");
        out.push(iri(ev.ann) + " a oa:Annotation ; oa:hasTarget " + iri(at.target) + wording + " .");
        out.push(iri(at.target) + " a oa:SpecificResource ; oa:hasSource " + iri(ev.source) + " ;\n    oa:hasSelector " +
                 [at.quote, at.position].filter(Boolean).map(iri).join(", ") + " .");
        out.push(iri(at.quote) + " a oa:TextQuoteSelector ; oa:exact " + lit(exact) +
                 (ev.prefix !== undefined ? " ;\n    oa:prefix " + lit(ev.prefix) + " ; oa:suffix " + lit(ev.suffix) : "") + " .");
        if (at.position) out.push(iri(at.position) + " a oa:TextPositionSelector ; oa:start " + lit(ev.start) +
                                  "^^xsd:nonNegativeInteger ; oa:end " + lit(ev.end) + "^^xsd:nonNegativeInteger .");
      });
      out.push("");
    });
    entities.forEach(function (id) {
      var n = byId.get(id);
      var p = [iri(id) + " a " + iri(ns + n.cls), "dct:identifier " + lit(n.eid)];
      Object.keys(n.labels).forEach(function (l) { p.push("rdfs:label " + lit(n.labels[l], l)); });
      out.push(p.join(" ;\n    ") + " .");
    });
    sources.forEach(function (iriText) {
      var s = sourceByIri.get(iriText);
      if (!s) return;
      var p = [iri(s.iri) + " a vjkg:SourceDocument", "dct:identifier " + lit(s.id)];
      Object.keys(s.titles).forEach(function (l) { p.push("dct:title " + lit(s.titles[l], l)); });
      if (s.issued) p.push("dct:issued " + dateLit(s.issued));
      out.push(p.join(" ;\n    ") + " .");
    });
    return out.join("\n") + "\n";
  }
  function toPng(done) {
    var canvas = container.querySelector("canvas");
    var copy = document.createElement("canvas");
    copy.width = canvas.width; copy.height = canvas.height;
    var ctx = copy.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, copy.width, copy.height);
    ctx.drawImage(canvas, 0, 0);
    copy.toBlob(done, "image/png");
  }
  // The drawing as SVG, built element by element (labels as text nodes, never markup):
  // what is shown, where it is, in the current language, whatever the zoom.
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = safe(text);
    return e;
  }
  function toSvg() {
    var ids = nodeView.getIds();
    var pos = network.getPositions(ids);
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    ids.forEach(function (id) {
      var n = byId.get(id), p = pos[id], r = n.size;
      var half = Math.max(r, Array.from(clip(label(n))).length * n.font.size * 0.3) + 10;  // a label's half width, roughly
      x0 = Math.min(x0, p.x - half); x1 = Math.max(x1, p.x + half);
      y0 = Math.min(y0, p.y - r - 10); y1 = Math.max(y1, p.y + r + n.font.size * 1.5 + 10);
    });
    if (!ids.length) { x0 = y0 = 0; x1 = y1 = 100; }
    var w = Math.round(x1 - x0), h = Math.round(y1 - y0);
    var svg = svgEl("svg", { xmlns: SVG, viewBox: [Math.round(x0), Math.round(y0), w, h].join(" "), width: w, height: h,
                             "font-family": "system-ui, sans-serif" });
    svg.appendChild(svgEl("title", {}, t("title")));
    var defs = svgEl("defs", {});
    var marker = svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7",
                                   markerHeight: "7", orient: "auto-start-reverse" });
    marker.appendChild(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#a3acb9" }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    svg.appendChild(svgEl("rect", { x: Math.round(x0), y: Math.round(y0), width: w, height: h, fill: "#ffffff" }));
    var links = svgEl("g", { "class": "facts", stroke: "#a3acb9", "stroke-width": "1", fill: "none" });
    var linkLabels = svgEl("g", { "class": "relations", "font-size": "10", fill: "#52606d", "text-anchor": "middle" });
    visibleFacts().forEach(function (e) {
      var a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var dx = b.x - a.x, dy = b.y - a.y, d = Math.sqrt(dx * dx + dy * dy) || 1;
      var ra = byId.get(e.from).size, rb = byId.get(e.to).size + 2;
      var line = svgEl("line", { x1: (a.x + dx * ra / d).toFixed(1), y1: (a.y + dy * ra / d).toFixed(1),
                                 x2: (b.x - dx * rb / d).toFixed(1), y2: (b.y - dy * rb / d).toFixed(1), "marker-end": "url(#arrow)" });
      line.appendChild(svgEl("title", {}, label(byId.get(e.from)) + " — " + relLabel(e.relation) + " → " + label(byId.get(e.to))));
      links.appendChild(line);
      linkLabels.appendChild(svgEl("text", { x: ((a.x + b.x) / 2).toFixed(1), y: ((a.y + b.y) / 2 - 3).toFixed(1) }, clip(relLabel(e.relation))));
    });
    svg.appendChild(links);
    svg.appendChild(linkLabels);
    var marks = svgEl("g", { "class": "entities", stroke: "#0005", "stroke-width": "1" });
    var names = svgEl("g", { "class": "names", fill: "#1f2933", "text-anchor": "middle", stroke: "#ffffff",
                             "stroke-width": "3", "paint-order": "stroke" });
    ids.forEach(function (id) {
      var n = byId.get(id), p = pos[id], r = n.size, mark;
      if (n.shape === "square") {
        mark = svgEl("rect", { x: (p.x - r).toFixed(1), y: (p.y - r).toFixed(1), width: 2 * r, height: 2 * r, fill: n.color });
      } else if (SHAPE_POINTS[n.shape]) {
        var k = r / 10;
        mark = svgEl("polygon", { points: SHAPE_POINTS[n.shape].split(" ").map(function (xy) {
          var c = xy.split(",");
          return (p.x + (+c[0] - 10) * k).toFixed(1) + "," + (p.y + (+c[1] - 10) * k).toFixed(1);
        }).join(" "), fill: n.color });
      } else {
        mark = svgEl("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r, fill: n.color });
      }
      mark.setAttribute("data-entity", n.eid);
      mark.appendChild(svgEl("title", {}, label(n) + " (" + classLabel(n.cls) + ")"));
      marks.appendChild(mark);
      names.appendChild(svgEl("text", { x: p.x.toFixed(1), y: (p.y + r + n.font.size).toFixed(1), "font-size": n.font.size }, clip(label(n))));
    });
    svg.appendChild(marks);
    svg.appendChild(names);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + new XMLSerializer().serializeToString(svg) + "\n";
  }
  document.getElementById("export-svg").addEventListener("click", function () {
    save("vjkg-view.svg", new Blob([toSvg()], { type: "image/svg+xml;charset=utf-8" }));
  });
  document.getElementById("export-png").addEventListener("click", function () { toPng(function (b) { save("vjkg-view.png", b); }); });
  document.getElementById("export-csv").addEventListener("click", function () {
    save("vjkg-facts.csv", new Blob([toCsv()], { type: "text/csv;charset=utf-8" }));
  });
  document.getElementById("export-ttl").addEventListener("click", function () {
    save("vjkg-facts.ttl", new Blob([toTurtle()], { type: "text/turtle;charset=utf-8" }));
  });

  // ------------------------------------------------------------------ the view in the URL
  // #lang=vi&q=…&sel=<id>&fact=<fact>&focus=<id>&hc=<classes>&hr=<relations>&hs=<sources>
  // &years=2020-2025&iso=1&all=1. A new selection, focus, filter or language is a new
  // history entry (Back undoes it); typing in the search box only replaces the entry.
  var restoring = false;
  var lastHash = null;
  function tail(iriText) { return iriText.slice(iriText.lastIndexOf("/") + 1); }
  var factByTail = new Map(data.edges.map(function (e) { return [tail(e.id), e.id]; }));
  function viewParams() {
    var p = new URLSearchParams();
    if (state.lang !== "en") p.set("lang", state.lang);
    if (search.value.trim()) p.set("q", search.value.trim());
    if (state.selected) p.set("sel", byId.get(state.selected).eid);
    if (state.fact) p.set("fact", factByTail.get(tail(state.fact)) === state.fact ? tail(state.fact) : state.fact);
    if (state.focus) p.set("focus", byId.get(state.focus).eid);
    if (state.hidden.cls.size) p.set("hc", Array.from(state.hidden.cls).sort().join(","));
    if (state.hidden.rel.size) p.set("hr", Array.from(state.hidden.rel).sort().join(","));
    if (state.hidden.src.size) p.set("hs", Array.from(state.hidden.src).map(function (s) { return sourceByIri.get(s).id; }).sort().join(","));
    if (state.years) p.set("years", state.years[0] + "-" + state.years[1]);
    if (state.isolated) p.set("iso", "1");
    if (data.overview && !state.overview) p.set("all", "1");
    return p;
  }
  function saveUrl() {
    if (restoring) return;
    var p = viewParams();
    var hash = p.toString();
    var current = location.hash.replace(/^#/, "");
    if (hash === current) { lastHash = hash; return; }
    var was = new URLSearchParams(current);
    was.delete("q");
    var now = new URLSearchParams(hash);
    now.delete("q");
    lastHash = hash;
    if (was.toString() === now.toString()) location.replace("#" + hash);
    else location.hash = hash;
  }
  function list(p, key) { return p.get(key) ? p.get(key).split(",").filter(Boolean) : []; }
  function restoreFromUrl() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    lastHash = p.toString();
    restoring = true;
    try {
      state.hidden.cls = new Set(list(p, "hc").filter(function (c) { return classByName.has(c); }));
      state.hidden.rel = new Set(list(p, "hr").filter(function (r) { return relationByName.has(r); }));
      state.hidden.src = new Set(list(p, "hs").map(function (id) { return sourceById.get(id); }).filter(Boolean).map(function (s) { return s.iri; }));
      var years = /^(\d{1,4})-(\d{1,4})$/.exec(p.get("years") || "");
      state.years = years ? [+years[1], +years[2]] : null;
      state.isolated = p.get("iso") === "1";
      state.overview = data.overview > 0 && p.get("all") !== "1";
      var focus = byEid.get(p.get("focus") || "");
      state.focus = focus ? focus.id : null;
      search.value = p.get("q") || "";
      state.query = fold(search.value.trim()).replace(/\s+/g, " ");
      state.tokens = state.query ? state.query.split(" ") : [];
      state.selected = null;
      state.fact = null;
      state.lang = STRINGS[p.get("lang")] ? p.get("lang") : "en";
      refresh(true);
      setLang(state.lang);
      var sel = byEid.get(p.get("sel") || "");
      var fact = p.get("fact") ? factByTail.get(p.get("fact")) || p.get("fact") : null;
      if (sel) select(sel.id, false);
      else if (fact && edgeById.has(fact)) selectFact(fact, false);
      else { network.unselectAll(); renderPanel(); }
    } finally {
      restoring = false;
    }
  }
  window.addEventListener("hashchange", function () {
    if (location.hash.replace(/^#/, "") === lastHash) return;
    closeDrawers();
    restoreFromUrl();
  });

  // ------------------------------------------------------------------ start
  translateStatic();
  syncControls();
  restoreFromUrl();
  fitShown();

  var api = {
    ready: false,
    readyAt: null,
    totalNodes: data.nodes.length,
    totalEdges: data.edges.length,
    isolated: isolatedCount,
    mode: function () { return mode; },
    visibleNodes: function () { return nodeView.length; },
    visibleEdges: function () { return edgeView.length; },
    drawnNodes: function () { return network.body.nodeIndices.length; },
    drawnEdges: function () { return network.body.edgeIndices.length; },
    drawnIds: function () { return network.body.nodeIndices.slice(); },
    drawnEdgeIds: function () { return network.body.edgeIndices.slice(); },
    matches: function () { return matchList.length; },
    factMatches: function () { return factMatches.length; },
    physicsEnabled: function () { return network.physics.physicsEnabled !== false && network.physics.options.enabled !== false; },
    positions: function () { return network.getPositions(); },
    label: function (id) { return nodes.get(id).label; },
    drawnFont: function (id) { var f = nodes.get(id).font; return f && f.size ? f.size : byId.get(id).font.size; },
    edgeLabel: function (id) { return edges.get(id).label; },
    domPosition: function (id) { return network.canvasToDOM(network.getPosition(id)); },
    scale: function () { return network.getScale(); },
    select: function (id) { select(id, false); },
    selectFact: function (id) { selectFact(id, false); },
    selected: function () { return state.selected; },
    focus: function () { return state.focus; },
    lang: function () { return state.lang; },
    strings: function (lang) { return STRINGS[lang]; },
    csv: toCsv,
    svg: toSvg,
    turtle: toTurtle
  };
  window.vjkgExplorer = api;
  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.body.dataset.ready = "true";
  });
})();
