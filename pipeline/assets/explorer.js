// vjkg explorer. Every data-derived string reaches the page through textContent only.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var lang = "en";
  var query = "";
  var hidden = { cls: new Set(), rel: new Set(), src: new Set() };
  var byId = new Map(data.nodes.map(function (n) { return [n.id, n]; }));

  function fold(s) {
    return s.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function label(n) { return n.labels[lang] || n.labels.en || n.labels.vi || n.eid; }
  function nodeTip(n) {
    var lines = [label(n), "vi: " + (n.labels.vi || "—"), "en: " + (n.labels.en || "—"), "class: " + n.cls];
    if (n.aliases.length) lines.push("aliases: " + n.aliases.join(", "));
    return el("div", lines.join("\n"), "tip");
  }
  function edgeTip(e) {
    var lines = [e.relation + (e.date ? " (" + e.date + ")" : "") + (e.amount ? " — " + e.amount : "")];
    e.evidence.forEach(function (ev) { lines.push("“" + ev.quote + "”", "— " + ev.title); });
    return el("div", lines.join("\n"), "tip");
  }
  function visNode(n) {
    return { id: n.id, label: label(n), x: n.x, y: n.y, size: n.size, color: n.color, shape: n.shape, title: nodeTip(n) };
  }
  function visEdge(e) {
    return { id: e.id, from: e.from, to: e.to, label: e.relation, arrows: "to", title: edgeTip(e),
             font: { size: 10, align: "middle", color: "#555" }, color: { color: "#9aa", highlight: "#345" } };
  }
  var nodes = new vis.DataSet(data.nodes.map(visNode));
  var edges = new vis.DataSet(data.edges.map(visEdge));
  var edgeById = new Map(data.edges.map(function (e) { return [e.id, e]; }));

  function edgeShown(e) {
    if (hidden.rel.has(e.relation)) return false;
    if (e.sources.length && e.sources.every(function (s) { return hidden.src.has(s); })) return false;
    return nodeShown(byId.get(e.from)) && nodeShown(byId.get(e.to));
  }
  function nodeShown(n) {
    if (hidden.cls.has(n.cls)) return false;
    if (query && n.search.indexOf(query) === -1) return false;
    return true;
  }
  var nodeView = new vis.DataView(nodes, { filter: function (item) { return nodeShown(byId.get(item.id)); } });
  var edgeView = new vis.DataView(edges, { filter: function (item) { return edgeShown(edgeById.get(item.id)); } });

  var network = new vis.Network(document.getElementById("graph"), { nodes: nodeView, edges: edgeView }, {
    physics: false,
    interaction: { hover: true, tooltipDelay: 150, navigationButtons: false },
    nodes: { font: { size: 13 }, borderWidth: 1 },
    edges: { smooth: false }
  });

  function refresh() {
    nodeView.refresh();
    edgeView.refresh();
    var status = document.getElementById("status");
    status.textContent = nodeView.length + " of " + data.nodes.length + " entities, " +
      edgeView.length + " of " + data.edges.length + " facts shown";
  }

  function checkbox(container, key, value, text, color, count) {
    var row = el("label");
    var box = el("input");
    box.type = "checkbox"; box.checked = true;
    box.dataset.filter = key; box.value = value;
    box.addEventListener("change", function () {
      if (box.checked) hidden[key].delete(value); else hidden[key].add(value);
      refresh();
    });
    row.appendChild(box);
    if (color) { var sw = el("span", null, "swatch"); sw.style.background = color; row.appendChild(sw); }
    row.appendChild(el("span", text));
    if (count !== undefined) row.appendChild(el("span", String(count), "count"));
    container.appendChild(row);
  }
  function countBy(items, f) {
    var m = new Map();
    items.forEach(function (x) { [].concat(f(x)).forEach(function (k) { m.set(k, (m.get(k) || 0) + 1); }); });
    return m;
  }
  var classCounts = countBy(data.nodes, function (n) { return n.cls; });
  data.classes.forEach(function (c) { checkbox(document.getElementById("class-filters"), "cls", c.name, c.name, c.color, classCounts.get(c.name)); });
  var relCounts = countBy(data.edges, function (e) { return e.relation; });
  data.relations.forEach(function (r) { checkbox(document.getElementById("relation-filters"), "rel", r, r, null, relCounts.get(r)); });
  var srcCounts = countBy(data.edges, function (e) { return e.sources; });
  data.sources.forEach(function (s) { checkbox(document.getElementById("source-filters"), "src", s.iri, s.title, null, srcCounts.get(s.iri)); });

  document.getElementById("search").addEventListener("input", function (ev) {
    query = fold(ev.target.value.trim());
    refresh();
    if (query) {
      var ids = nodeView.getIds();
      if (ids.length) network.fit({ nodes: ids, animation: false });
    }
  });
  document.querySelectorAll("input[name=lang]").forEach(function (r) {
    r.addEventListener("change", function () {
      lang = r.value;
      nodes.update(data.nodes.map(function (n) { return { id: n.id, label: label(n), title: nodeTip(n) }; }));
      if (current) showDetails(current);
    });
  });

  var current = null;
  function showDetails(id) {
    current = id;
    var n = byId.get(id);
    var panel = document.getElementById("details");
    panel.replaceChildren();
    panel.appendChild(el("h1", label(n)));
    panel.appendChild(el("div", n.cls + " · " + n.eid, "muted"));
    panel.appendChild(el("div", "vi: " + (n.labels.vi || "—")));
    panel.appendChild(el("div", "en: " + (n.labels.en || "—")));
    if (n.labels.ja) panel.appendChild(el("div", "ja: " + n.labels.ja));
    if (n.aliases.length) panel.appendChild(el("div", "aliases: " + n.aliases.join(", "), "muted"));
    var facts = data.edges.filter(function (e) { return e.from === id || e.to === id; });
    panel.appendChild(el("h2", facts.length + " facts"));
    facts.forEach(function (e) {
      var box = el("div", null, "fact");
      var other = byId.get(e.from === id ? e.to : e.from);
      var head = el("div");
      head.appendChild(el("span", e.from === id ? "→ " : "← "));
      head.appendChild(el("span", e.relation, "rel"));
      head.appendChild(el("span", " "));
      var link = el("button", label(other), "link");
      link.addEventListener("click", function () { network.selectNodes([other.id]); showDetails(other.id); });
      head.appendChild(link);
      box.appendChild(head);
      var quals = [];
      if (e.date) quals.push("date " + e.date);
      if (e.amount) quals.push(e.amount);
      if (e.role && (e.role[lang] || e.role.en)) quals.push(e.role[lang] || e.role.en);
      if (quals.length) box.appendChild(el("div", quals.join(" · "), "muted"));
      e.evidence.forEach(function (ev) {
        box.appendChild(el("blockquote", ev.quote));
        box.appendChild(el("div", "— " + ev.title, "src"));
      });
      panel.appendChild(box);
    });
  }
  network.on("click", function (params) { if (params.nodes.length) showDetails(params.nodes[0]); });

  refresh();
  network.once("afterDrawing", function () { window.vjkgReady = true; });
  window.vjkgExplorer = {
    visibleNodes: function () { return nodeView.length; },
    visibleEdges: function () { return edgeView.length; },
    totalNodes: data.nodes.length,
    physicsEnabled: function () { return network.physics.physicsEnabled; },
    showDetails: showDetails
  };
})();
