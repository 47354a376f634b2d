// vjkg explorer. Every data-derived string reaches the page through textContent (or an
// attribute set as a property), never as HTML; the page's CSP runs no other script.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var MAX_MATCHES = 300;       // search shows at most this many matches at once
  var NEIGHBOUR_LIMIT = 40;    // ... and their neighbours when there are no more than this
  var RESULTS_LISTED = 12;
  var SVG = "http://www.w3.org/2000/svg";

  var state = {
    lang: "en",
    tokens: [],
    query: "",
    hidden: { cls: new Set(), rel: new Set(), src: new Set() },
    overview: data.overview > 0,  // big graphs open on an overview of the best-connected
    focus: null,                  // an entity whose neighbourhood alone is shown
    selected: null
  };
  var byId = new Map();
  data.nodes.forEach(function (n) { byId.set(n.id, n); });
  var edgeById = new Map();
  var incident = new Map();
  data.nodes.forEach(function (n) { incident.set(n.id, []); });
  data.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    incident.get(e.from).push(e);
    if (e.to !== e.from) incident.get(e.to).push(e);
  });
  data.nodes.forEach(function (n) {
    n.names = Object.keys(n.labels).map(function (k) { return fold(n.labels[k]); })
      .concat(n.aliases.map(fold), [fold(n.eid)]);
  });
  var sourceByIri = new Map(data.sources.map(function (s) { return [s.iri, s]; }));
  var classByName = new Map(data.classes.map(function (c) { return [c.name, c]; }));
  var relationByName = new Map(data.relations.map(function (r) { return [r.name, r]; }));

  // ------------------------------------------------------------------ text helpers
  function fold(s) {
    return s.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/\p{Mn}/gu, "").toLowerCase();
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function label(n) { var l = n.labels; return l[state.lang] || l.en || l.vi || l.ja || l[""] || n.eid; }
  function sourceTitle(iri) {
    var s = sourceByIri.get(iri);
    if (!s) return iri;
    return s.titles[state.lang] || s.titles.vi || s.titles.en || s.id;
  }
  function humanize(name) { return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase(); }
  function relLabel(name) { var r = relationByName.get(name); return r ? r.label : humanize(name); }
  function classLabel(name) { var c = classByName.get(name); return c ? c.label : name; }
  function plural(k, one, many) { return k + " " + (k === 1 ? one : many); }
  function qualifiers(e) {
    var q = [];
    if (e.date) q.push(e.date);
    if (e.amount) q.push(e.amount);
    if (e.rank) q.push("rank " + e.rank);
    if (e.share) q.push("share " + e.share);
    var role = e.role[state.lang] || e.role.en || e.role.vi;
    if (role) q.push(role);
    return q;
  }

  // A class's legend mark: the node shape drawn in its colour (an SVG built node by node).
  function shapeIcon(shape, color, size) {
    size = size || 14;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", size); svg.setAttribute("height", size);
    svg.setAttribute("viewBox", "0 0 20 20"); svg.setAttribute("class", "shape");
    svg.setAttribute("aria-hidden", "true");
    var pts = {
      diamond: "10,1 19,10 10,19 1,10",
      triangle: "10,2 19,18 1,18",
      triangleDown: "1,2 19,2 10,18",
      hexagon: "5,2 15,2 20,10 15,18 5,18 0,10",
      star: "10,1 12.6,7 19,7.5 14,11.6 15.6,18 10,14.5 4.4,18 6,11.6 1,7.5 7.4,7"
    }[shape];
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
  function relationOk(e) { return !state.hidden.rel.has(e.relation); }
  function sourceOk(e) {
    if (!state.hidden.src.size) return true;
    return e.sources.some(function (s) { return !state.hidden.src.has(s); });
  }
  function edgeOk(e) { return relationOk(e) && sourceOk(e); }
  // Class filter, and with some sources unticked: only entities the ticked sources speak of.
  function nodeOk(n) {
    if (state.hidden.cls.has(n.cls)) return false;
    if (state.hidden.src.size && !incident.get(n.id).some(sourceOk)) return false;
    return true;
  }
  function neighbours(n) {
    var out = [];
    incident.get(n.id).forEach(function (e) {
      if (edgeOk(e)) out.push(byId.get(e.from === n.id ? e.to : e.from));
    });
    return out;
  }
  function matches(n) {
    for (var i = 0; i < state.tokens.length; i++) if (n.search.indexOf(state.tokens[i]) === -1) return false;
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
  var mode = "all";

  function recompute() {
    var shown = new Set();
    matchList = [];
    if (state.tokens.length) {
      mode = "search";
      data.nodes.forEach(function (n) { if (nodeOk(n) && matches(n)) matchList.push(n); });
      matchList.sort(function (a, b) { return matchScore(a) - matchScore(b) || b.degree - a.degree || a.rank - b.rank; });
      var top = matchList.slice(0, MAX_MATCHES);
      top.forEach(function (n) { shown.add(n.id); });
      if (top.length <= NEIGHBOUR_LIMIT) {
        top.forEach(function (n) {
          neighbours(n).forEach(function (m) { if (nodeOk(m)) shown.add(m.id); });
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
      data.nodes.forEach(function (n) { if (nodeOk(n)) shown.add(n.id); });
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
  options.nodes = { borderWidth: 1, borderWidthSelected: 3,
                    font: { size: 13, color: "#1f2933", strokeWidth: 3, strokeColor: "#ffffff" },
                    widthConstraint: { maximum: 190 } };
  options.edges = Object.assign(options.edges || {}, {
    arrows: { to: { enabled: true, scaleFactor: 0.55 } },
    color: { color: "#a3acb9", highlight: "#1f2933", hover: "#52606d", inherit: false },
    font: { size: 10, color: "#52606d", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
    width: 1, selectionWidth: 1.5, hoverWidth: 0.5
  });

  var usingOverviewPositions = state.overview;
  function visNode(n) {
    var overview = usingOverviewPositions && n.ox !== undefined;
    return { id: n.id, label: label(n), x: overview ? n.ox : n.x, y: overview ? n.oy : n.y,
             size: n.size, color: n.color, shape: n.shape, font: { size: n.font.size } };
  }
  function visEdge(e) {
    return { id: e.id, from: e.from, to: e.to, label: e.label, smooth: e.smooth };
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
      return { id: n.id, x: want ? n.ox : n.x, y: want ? n.oy : n.y };
    }));
  }

  var highlighted = [];
  function highlightMatches() {
    var update = highlighted.map(function (id) { return { id: id, font: { size: byId.get(id).font.size, background: "rgba(0,0,0,0)" }, borderWidth: 1 }; });
    highlighted = mode === "search" ? matchList.slice(0, MAX_MATCHES).map(function (n) { return n.id; }) : [];
    highlighted.forEach(function (id) { update.push({ id: id, font: { size: byId.get(id).font.size, background: "#ffe58a" }, borderWidth: 3 }); });
    if (update.length) nodes.update(update);
  }

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
    if (fit || before !== mode) fitShown();
  }

  // ------------------------------------------------------------------ status & actions
  function actionButton(text, onClick) {
    var b = el("button", text, "btn");
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function renderStatus() {
    var status = document.getElementById("status");
    var actions = document.getElementById("actions");
    status.replaceChildren();
    actions.replaceChildren();
    var counts = plural(nodeView.length, "entity", "entities") + " of " + data.nodes.length + " · " +
      plural(edgeView.length, "fact", "facts") + " of " + data.edges.length + " shown";
    if (mode === "overview") {
      status.appendChild(el("div", "Overview: the " + data.overview + " best-connected entities. Search to find any of the " +
        data.nodes.length + "; click one for its facts."));
      actions.appendChild(actionButton("Show all " + data.nodes.length, function () { state.overview = false; refresh(true); }));
    } else if (mode === "search") {
      var text = plural(matchList.length, "match", "matches");
      if (matchList.length > MAX_MATCHES) text += " (showing the first " + MAX_MATCHES + ")";
      else if (matchList.length && matchList.length <= NEIGHBOUR_LIMIT) text += ", with their neighbours";
      status.appendChild(el("div", text));
      actions.appendChild(actionButton("Clear search", clearSearch));
    } else if (mode === "focus") {
      status.appendChild(el("div", "Neighbourhood of " + label(byId.get(state.focus))));
      actions.appendChild(actionButton(data.overview && state.overview ? "Back to overview" : "Show everything", function () {
        state.focus = null; refresh(true);
      }));
    }
    status.appendChild(el("div", counts, "muted"));
    if (state.hidden.cls.size || state.hidden.rel.size || state.hidden.src.size) {
      actions.appendChild(actionButton("Reset filters", function () {
        ["cls", "rel", "src"].forEach(function (k) { state.hidden[k].clear(); });
        document.querySelectorAll("input[data-filter]").forEach(function (b) { b.checked = true; });
        refresh(true);
      }));
    }
  }

  function renderResults() {
    var list = document.getElementById("results");
    list.replaceChildren();
    if (mode !== "search") return;
    matchList.slice(0, RESULTS_LISTED).forEach(function (n) {
      var li = el("li");
      var b = el("button");
      b.type = "button";
      b.dataset.node = n.id;
      var c = classByName.get(n.cls);
      b.appendChild(shapeIcon(n.shape, n.color, 12));
      b.appendChild(el("span", label(n), "name"));
      b.appendChild(el("span", classLabel(n.cls), "muted"));
      b.title = c ? c.label : n.cls;
      b.addEventListener("click", function () { select(n.id, true); });
      li.appendChild(b);
      list.appendChild(li);
    });
    if (matchList.length > RESULTS_LISTED) list.appendChild(el("li", "… and " + (matchList.length - RESULTS_LISTED) + " more", "more"));
    if (!matchList.length) list.appendChild(el("li", "No entity matches.", "more"));
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
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && matchList.length) { clearTimeout(searchTimer); applySearch(); select(matchList[0].id, true); }
    if (ev.key === "Escape") clearSearch();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== search) { ev.preventDefault(); search.focus(); }
  });

  // ------------------------------------------------------------------ filters (also the legend)
  function filterRow(container, key, value, text, count, icon, depth) {
    var row = el("label");
    if (!count) row.classList.add("empty");
    if (depth) row.style.paddingLeft = (depth * 14) + "px";
    var box = el("input");
    box.type = "checkbox"; box.checked = true;
    box.dataset.filter = key; box.value = value;
    row.appendChild(box);
    if (icon) row.appendChild(icon);
    var span = el("span", text, "text");
    span.title = text;
    row.appendChild(span);
    row.appendChild(el("span", String(count), "count"));
    container.appendChild(row);
    return box;
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
    var box = filterRow(classContainer, "cls", c.name, c.label, total, shapeIcon(c.shape, c.color), c.depth);
    box.parentNode.title = c.label + ": " + plural(c.count, "entity", "entities") + " of this class exactly, " + total + " with subclasses";
    classBoxes.set(c.name, box);
    box.addEventListener("change", function () {
      descendants(c.name).forEach(function (k) {
        if (box.checked) state.hidden.cls.delete(k); else state.hidden.cls.add(k);
        classBoxes.get(k).checked = box.checked;
      });
      refresh(false);
    });
  });
  var relationContainer = document.getElementById("relation-filters");
  data.relations.forEach(function (r) {
    var box = filterRow(relationContainer, "rel", r.name, r.label, r.count);
    box.addEventListener("change", function () {
      if (box.checked) state.hidden.rel.delete(r.name); else state.hidden.rel.add(r.name);
      refresh(false);
    });
  });
  var sourceContainer = document.getElementById("source-filters");
  var sourceSpans = [];
  data.sources.forEach(function (s) {
    var box = filterRow(sourceContainer, "src", s.iri, sourceTitle(s.iri), s.count);
    sourceSpans.push([s.iri, box.parentNode.querySelector(".text")]);
    box.addEventListener("change", function () {
      if (box.checked) state.hidden.src.delete(s.iri); else state.hidden.src.add(s.iri);
      refresh(false);
    });
  });
  document.querySelectorAll(".bulk").forEach(function (span) {
    var key = span.dataset.group;
    [["all", true], ["none", false]].forEach(function (pair) {
      var b = el("button", pair[0], "link");
      b.type = "button";
      b.addEventListener("click", function () {
        document.querySelectorAll("input[data-filter=" + key + "]").forEach(function (box) {
          box.checked = pair[1];
          if (pair[1]) state.hidden[key].delete(box.value); else state.hidden[key].add(box.value);
        });
        refresh(false);
      });
      span.appendChild(b);
    });
  });

  // ------------------------------------------------------------------ labels vi / en
  function setLang(lang) {
    state.lang = lang;
    hideTip();
    nodes.update(data.nodes.map(function (n) { return { id: n.id, label: label(n) }; }));
    sourceSpans.forEach(function (pair) { pair[1].textContent = sourceTitle(pair[0]); pair[1].title = sourceTitle(pair[0]); });
    document.documentElement.lang = lang;
    renderResults();
    renderStatus();
    if (state.selected) showDetails(state.selected); else showIntro();
  }
  document.querySelectorAll("input[name=lang]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) setLang(r.value); });
  });

  // ------------------------------------------------------------------ tooltips
  var tip = document.getElementById("tip");
  function nodeTip(n) {
    var box = document.createDocumentFragment();
    box.appendChild(el("div", label(n), "head"));
    box.appendChild(el("div", classLabel(n.cls) + " · " + plural(n.degree, "fact", "facts"), "line"));
    ["vi", "en", "ja"].forEach(function (l) { if (n.labels[l]) box.appendChild(el("div", l + ": " + n.labels[l], "line")); });
    if (n.aliases.length) box.appendChild(el("div", "also: " + n.aliases.join(", "), "line"));
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
    if (e.evidence.length > 3) box.appendChild(el("div", "+ " + (e.evidence.length - 3) + " more quotes", "src"));
    if (!e.evidence.length) box.appendChild(el("div", "no quoted evidence", "src"));
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

  // ------------------------------------------------------------------ details panel
  var panel = document.getElementById("details");
  function showIntro() {
    panel.replaceChildren();
    panel.appendChild(el("h3", "About this graph"));
    var facts = plural(data.edges.length, "fact", "facts");
    panel.appendChild(el("p", plural(data.nodes.length, "entity", "entities") + " and " + facts +
      " between them, each traced to the sentence that states it, from " + plural(data.sources.length, "source", "sources") + "."));
    var help = el("ul", null, "help");
    [
      "Hover an entity or a link for its names, class and the quoted evidence.",
      "Click an entity to list its facts here, each with its quote and source.",
      "Search ignores accents: “bo khoa hoc” finds “Bộ Khoa học và Công nghệ”. Press / to search.",
      "Untick classes, relations or sources on the left to hide them.",
      "Size grows with the number of facts; colour and shape show the class."
    ].forEach(function (t) { help.appendChild(el("li", t)); });
    panel.appendChild(help);
    if (!data.nodes.length) {
      panel.appendChild(el("p", "This graph holds no entity of the vjkg ontology. If its vocabulary lives under " +
        "another base IRI, draw it with `kg html --base <IRI>`.", "muted"));
    }
    if (data.overview) {
      panel.appendChild(el("p", "This graph is large, so it opens on its " + data.overview +
        " best-connected entities; search or “Show all” reaches the rest.", "muted"));
    }
  }

  function entityButton(n) {
    var b = el("button", label(n), "link");
    b.type = "button";
    b.dataset.node = n.id;
    b.addEventListener("click", function () { select(n.id, true); });
    return b;
  }

  function showDetails(id) {
    var n = byId.get(id);
    panel.replaceChildren();
    panel.appendChild(el("h3", label(n)));
    var chip = el("div", null, "chip");
    chip.appendChild(shapeIcon(n.shape, n.color, 13));
    chip.appendChild(el("span", classLabel(n.cls)));
    panel.appendChild(chip);
    var names = el("dl", null, "names");
    function row(k, v) { names.appendChild(el("dt", k)); names.appendChild(el("dd", v)); }
    ["vi", "en", "ja"].forEach(function (l) { if (n.labels[l]) row(l, n.labels[l]); });
    if (n.aliases.length) row("also", n.aliases.join(", "));
    Object.keys(n.dates).forEach(function (k) { row(relLabel(k), n.dates[k].join(", ")); });
    row("id", n.eid);
    panel.appendChild(names);
    panel.appendChild(el("div", n.id, "iri"));
    var bar = el("div");
    bar.style.marginTop = "8px";
    bar.appendChild(actionButton("Show neighbourhood", function () { state.focus = id; clearTimeout(searchTimer); search.value = ""; state.tokens = []; state.query = ""; refresh(true); select(id, false); }));
    panel.appendChild(bar);

    var facts = incident.get(id).slice().sort(function (a, b) {
      return a.relation < b.relation ? -1 : a.relation > b.relation ? 1 : (a.from === id ? 0 : 1) - (b.from === id ? 0 : 1);
    });
    panel.appendChild(el("h4", plural(facts.length, "fact", "facts")));
    if (!facts.length) panel.appendChild(el("p", "No fact links this entity to another one.", "muted"));
    facts.forEach(function (e) { panel.appendChild(factBox(e, id)); });
    if (n.figures.length) {
      panel.appendChild(el("h4", plural(n.figures.length, "figure", "figures")));
      n.figures.forEach(function (f) {
        var box = el("div", null, "figure");
        box.appendChild(el("div", f.measure[state.lang] || f.measure.en || f.measure.vi || "", "sentence"));
        box.appendChild(el("div", [f.amount, f.date].filter(Boolean).join(" · "), "quals"));
        appendEvidence(box, f.evidence);
        panel.appendChild(box);
      });
    }
  }

  // Every quote, with its source's title and date.
  function appendEvidence(box, evidence) {
    evidence.forEach(function (ev) {
      box.appendChild(el("blockquote", "“" + ev.quote + "”"));
      var s = sourceByIri.get(ev.source);
      box.appendChild(el("div", "— " + sourceTitle(ev.source) + (s && s.issued ? " (" + s.issued + ")" : ""), "src"));
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
    if (!e.evidence.length) box.appendChild(el("div", "no quoted evidence", "src"));
    return box;
  }

  function showFact(id) {
    var e = edgeById.get(id);
    panel.replaceChildren();
    panel.appendChild(el("h3", relLabel(e.relation)));
    panel.appendChild(el("div", plural(e.evidence.length, "quote", "quotes") + " from " +
      plural(e.sources.length, "source", "sources"), "muted"));
    panel.appendChild(factBox(e, null));
    panel.appendChild(el("div", e.id, "iri"));
  }

  function select(id, move) {
    var n = byId.get(id);
    if (!n) return;
    if (!shownNodes.has(id)) { state.focus = id; clearTimeout(searchTimer); search.value = ""; state.tokens = []; state.query = ""; refresh(true); }
    state.selected = id;
    network.selectNodes([id]);
    if (move) network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: { duration: 300 } });
    showDetails(id);
  }

  network.on("click", function (p) {
    if (p.nodes.length) { state.selected = p.nodes[0]; showDetails(p.nodes[0]); }
    else if (p.edges.length) { state.selected = null; showFact(p.edges[0]); }
    else { state.selected = null; showIntro(); }
  });
  network.on("doubleClick", function (p) { if (p.nodes.length) { state.focus = p.nodes[0]; refresh(true); select(p.nodes[0], false); } });
  document.getElementById("fit").addEventListener("click", fitShown);

  // ------------------------------------------------------------------ start
  document.getElementById("summary").textContent = plural(data.nodes.length, "entity", "entities") + " · " +
    plural(data.edges.length, "fact", "facts") + " · " + plural(data.sources.length, "source", "sources");
  renderStatus();
  showIntro();
  fitShown();

  var api = {
    ready: false,
    readyAt: null,
    totalNodes: data.nodes.length,
    totalEdges: data.edges.length,
    mode: function () { return mode; },
    visibleNodes: function () { return nodeView.length; },
    visibleEdges: function () { return edgeView.length; },
    drawnNodes: function () { return network.body.nodeIndices.length; },
    drawnEdges: function () { return network.body.edgeIndices.length; },
    drawnIds: function () { return network.body.nodeIndices.slice(); },
    matches: function () { return matchList.length; },
    physicsEnabled: function () { return network.physics.physicsEnabled !== false && network.physics.options.enabled !== false; },
    positions: function () { return network.getPositions(); },
    label: function (id) { return nodes.get(id).label; },
    domPosition: function (id) { return network.canvasToDOM(network.getPosition(id)); },
    select: function (id) { select(id, false); }
  };
  window.vjkgExplorer = api;
  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.body.dataset.ready = "true";
  });
})();
