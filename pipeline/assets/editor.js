// kg serve's query page: saved queries as tabs, a parameter form for what each declares,
// results with paging, links to entity pages and downloads. Data arrives in #page-data
// (JSON); every string goes into the page through textContent, never as markup.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("page-data").textContent);
  const UI = DATA.ui;
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);
  const el = (tag, props, children) => {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  };

  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") || localStorage.getItem("vjkg-lang") ||
    ((navigator.language || "").toLowerCase().startsWith("vi") ? "vi" : "en");
  if (!UI[lang]) lang = "en";
  const t = (key, vars) => {
    let text = UI[lang][key] || UI.en[key] || key;
    Object.entries(vars || {}).forEach(([k, v]) => { text = text.replace("{" + k + "}", String(v)); });
    return text;
  };

  // ------------------------------------------------------------ tabs
  const tabs = [];
  let current = -1;
  const editor = VjkgEditor.create($("editor"), {
    doc: "", prefixes: DATA.prefixes, terms: DATA.terms, onRun: run, label: "SPARQL",
  });

  function describe(saved) {
    if (!saved) return "";
    return lang === "vi" && saved.description_vi ? saved.description_vi : saved.description;
  }

  function openTab(saved) {
    if (current >= 0) tabs[current].text = editor.getValue();
    const existing = saved ? tabs.findIndex((x) => x.saved === saved) : -1;
    if (existing >= 0) return selectTab(existing);
    const blank = "SELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n} LIMIT 10\n";
    tabs.push({ saved, text: saved ? saved.text : blank, values: {}, result: null });
    selectTab(tabs.length - 1);
  }

  function selectTab(i) {
    if (current >= 0 && tabs[current]) tabs[current].text = editor.getValue();
    current = i;
    editor.setValue(tabs[i].text);
    renderTabs();
    renderParams();
    renderResult(tabs[i].result);
    $("tab-description").textContent = describe(tabs[i].saved);
  }

  function closeTab(i) {
    if (current >= 0) tabs[current].text = editor.getValue();
    tabs.splice(i, 1);
    if (!tabs.length) { current = -1; openTab(null); return; }
    current = -1;
    selectTab(Math.min(i, tabs.length - 1));
  }

  function renderTabs() {
    const bar = $("tabs");
    bar.replaceChildren();
    tabs.forEach((tab, i) => {
      const title = tab.saved ? tab.saved.name : t("newQuery");
      const pick = el("button", { type: "button", role: "tab", text: title, title });
      pick.addEventListener("click", () => selectTab(i));
      const close = el("button", { type: "button", class: "close", text: "×", "aria-label": t("closeTab") + " " + title });
      close.addEventListener("click", () => closeTab(i));
      bar.appendChild(el("span", { class: "tab", "aria-selected": String(i === current) }, [pick, close]));
    });
    const add = el("button", { type: "button", text: "+", "aria-label": t("newQuery"), title: t("newQuery") });
    add.addEventListener("click", () => openTab(null));
    bar.appendChild(add);
  }

  function renderParams() {
    const form = $("params");
    form.replaceChildren();
    const tab = tabs[current];
    const declared = tab.saved ? tab.saved.parameters : [];
    form.hidden = !declared.length;
    declared.forEach((p) => {
      const input = el("input", { type: "text", name: p.name, required: "required", spellcheck: "false",
        placeholder: "res:jetro", value: tab.values[p.name] || "" });
      input.addEventListener("input", () => { tab.values[p.name] = input.value; });
      const help = lang === "vi" && p.description_vi ? p.description_vi : p.description;
      form.appendChild(el("label", {}, [el("span", { text: p.name + " — " + help }), input]));
    });
  }

  // ------------------------------------------------------------ running
  function requestBody(tab, extra) {
    const body = new URLSearchParams();
    body.set("query", editor.getValue());
    const declared = tab.saved ? tab.saved.parameters : [];
    declared.forEach((p) => { if (tab.values[p.name]) body.append("param", p.name + "=" + tab.values[p.name]); });
    Object.entries(extra || {}).forEach(([k, v]) => body.set(k, v));
    return body;
  }

  async function run() {
    const tab = tabs[current];
    tab.text = editor.getValue();
    const missing = (tab.saved ? tab.saved.parameters : []).filter((p) => !tab.values[p.name]);
    if (missing.length) {
      tab.result = { error: t("needsParam", { name: missing[0].name }) };
      renderResult(tab.result);
      return;
    }
    $("status").textContent = t("running");
    const started = performance.now();
    try {
      const response = await fetch(DATA.endpoint, {
        method: "POST",
        headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9",
                   "Content-Type": "application/x-www-form-urlencoded" },
        body: requestBody(tab),
      });
      const type = response.headers.get("Content-Type") || "";
      const text = await response.text();
      const ms = Math.round(performance.now() - started);
      if (!response.ok) tab.result = { error: text, status: response.status };
      else if (type.includes("json")) tab.result = { json: JSON.parse(text), ms, page: 0 };
      else tab.result = { graph: text, ms };
    } catch (err) {
      tab.result = { error: String(err) };
    }
    $("status").textContent = "";
    renderResult(tab.result);
  }

  // ------------------------------------------------------------ results
  function compact(iri) {
    let best = null;
    Object.entries(DATA.prefixes).forEach(([p, ns]) => {
      if (iri.startsWith(ns) && /^[A-Za-z0-9_]([\w.-]*[\w-])?$/.test(iri.slice(ns.length)) &&
          (!best || ns.length > best[1].length)) best = [p, ns];
    });
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }

  function termNode(term) {
    if (!term) return document.createTextNode("");
    if (term.type === "uri") {
      const local = term.value.startsWith(DATA.resourceBase);
      const href = local ? "/resource/" + term.value.slice(DATA.resourceBase.length) : term.value;
      const link = el("a", { href: local ? href + "?lang=" + lang : href, text: compact(term.value), title: term.value });
      if (!local) link.setAttribute("rel", "noreferrer noopener");
      return link;
    }
    if (term.type === "bnode") return document.createTextNode("_:" + term.value);
    const span = el("span", {}, [document.createTextNode(term.value)]);
    const tag = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype ? compact(term.datatype) : "");
    if (tag) span.appendChild(el("span", { class: "lit-tag", text: tag }));
    return span;
  }

  function downloads(kinds) {
    const tab = tabs[current];
    const box = el("span", { class: "downloads" }, [el("span", { text: t("download") + ": " })]);
    kinds.forEach((fmt) => {
      const q = requestBody(tab, { format: fmt });
      box.appendChild(el("a", { href: DATA.endpoint + "?" + q.toString(), download: "result." + fmt, text: fmt.toUpperCase() }));
    });
    return box;
  }

  function renderResult(result) {
    const box = $("results");
    box.replaceChildren();
    if (!result) return;
    if (result.error) {
      box.appendChild(el("div", { class: "error", role: "alert", text: (result.status ? result.status + " — " : "") + result.error }));
      return;
    }
    if (result.graph !== undefined) {
      box.appendChild(el("div", { class: "meta" }, [el("span", { text: t("time", { ms: result.ms }) }),
        downloads(DATA.graphFormats)]));
      box.appendChild(el("pre", { class: "graph", text: result.graph }));
      return;
    }
    const json = result.json;
    if (json.boolean !== undefined) {
      box.appendChild(el("p", { class: "meta", text: t("answer") + ": " + t(json.boolean ? "yes" : "no") }));
      return;
    }
    const vars = json.head.vars;
    const rows = json.results.bindings;
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    result.page = Math.min(result.page, pages - 1);
    const from = result.page * PAGE;
    const shown = rows.slice(from, from + PAGE);
    box.appendChild(el("div", { class: "meta" }, [
      el("strong", { text: t("results", { n: rows.length }) }),
      el("span", { text: t("time", { ms: result.ms }) }),
      downloads(DATA.tableFormats),
    ]));
    if (!rows.length) { box.appendChild(el("p", { text: t("noResults") })); return; }
    const head = el("tr", {}, vars.map((v) => el("th", { scope: "col", text: v })));
    const body = el("tbody", {}, shown.map((row) => el("tr", {}, vars.map((v) => el("td", {}, [termNode(row[v])])))));
    box.appendChild(el("div", { class: "table-wrap" }, [el("table", {}, [el("thead", {}, [head]), body])]));
    if (pages > 1) {
      const prev = el("button", { type: "button", text: t("previous") });
      const next = el("button", { type: "button", text: t("next") });
      if (result.page === 0) prev.setAttribute("disabled", "disabled");
      if (result.page === pages - 1) next.setAttribute("disabled", "disabled");
      prev.addEventListener("click", () => { result.page -= 1; renderResult(result); });
      next.addEventListener("click", () => { result.page += 1; renderResult(result); });
      box.appendChild(el("div", { class: "pager" }, [prev,
        el("span", { text: t("page", { p: result.page + 1, n: pages, from: from + 1, to: from + shown.length }) }), next]));
    }
  }

  // ------------------------------------------------------------ language and chrome
  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = t("title");
    document.querySelectorAll("[data-ui]").forEach((node) => { node.textContent = t(node.dataset.ui); });
    document.querySelectorAll("#lang-switch input").forEach((input) => { input.checked = input.value === lang; });
    $("graph-size").textContent = t("size", { quads: DATA.quads.toLocaleString(lang) });
    const list = $("saved-list");
    list.replaceChildren();
    DATA.saved.forEach((saved) => {
      const open = el("button", { type: "button", text: saved.name });
      open.addEventListener("click", () => { openTab(saved); $("saved").classList.remove("open"); });
      list.appendChild(el("li", {}, [open, el("p", { text: describe(saved) })]));
    });
    if (current >= 0) { renderTabs(); renderParams(); renderResult(tabs[current].result);
      $("tab-description").textContent = describe(tabs[current].saved); }
  }

  document.querySelectorAll("#lang-switch input").forEach((input) => input.addEventListener("change", () => {
    lang = input.value;
    localStorage.setItem("vjkg-lang", lang);
    applyLanguage();
  }));
  $("drawer-toggle").addEventListener("click", () => {
    const open = $("saved").classList.toggle("open");
    $("drawer-toggle").setAttribute("aria-expanded", String(open));
  });
  $("run").addEventListener("click", run);

  applyLanguage();
  const wanted = DATA.saved.find((s) => s.name === params.get("saved"));
  openTab(wanted || DATA.saved[0] || null);
  if (wanted) {
    wanted.parameters.forEach((p) => { if (params.get(p.name)) tabs[current].values[p.name] = params.get(p.name); });
    renderParams();
  }
})();
