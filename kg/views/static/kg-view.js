// kg graph views: a Cytoscape.js canvas, a legend, a search box and a table of the same nodes and facts.
// No inline script anywhere: the page hands over its feed URL and its words through data- attributes, and every
// text reaches the page through textContent (never innerHTML), so a name like <img src=x onerror=...> stays text.
(function () {
  "use strict";

  const PALETTE = {
    City: "#1f77b4", Project: "#ff7f0e", Network: "#2ca02c", Organisation: "#9467bd",
    ThematicField: "#8c564b", Challenge: "#d62728", Solution: "#17becf", BestPractice: "#bcbd22",
    Driver: "#7f7f7f", Event: "#e377c2", Source: "#aec7e8", StatusReport: "#98df8a",
  };

  const root = document.getElementById("kg-view");
  if (!root) return;
  const words = JSON.parse(root.dataset.words || "{}");
  const token = root.dataset.token || "";
  const say = (key) => words[key] || key;

  function withToken(url) {
    if (!token) return url;
    return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function cyElements(feed) {
    const nodes = feed.nodes.map((n) => ({
      group: "nodes",
      data: { id: n.id, name: n.name || n.id, label: n.label, colour: PALETTE[n.label] || "#333" },
    }));
    const edges = feed.edges.map((e) => ({
      group: "edges",
      data: { id: e.id, source: e.source, target: e.target, type: e.type, caption: e.caption || "" },
    }));
    return nodes.concat(edges);
  }

  const state = { nodes: new Map(), edges: new Map(), cy: null };

  function remember(feed) {
    const fresh = [];
    for (const n of feed.nodes) if (!state.nodes.has(n.id)) { state.nodes.set(n.id, n); fresh.push(n.id); }
    for (const e of feed.edges) if (!state.edges.has(e.id)) state.edges.set(e.id, e);
    return fresh;
  }

  function renderLegend() {
    const legend = document.getElementById("kg-legend");
    legend.replaceChildren();
    const counts = new Map();
    for (const n of state.nodes.values()) counts.set(n.label, (counts.get(n.label) || 0) + 1);
    for (const [label, count] of [...counts.entries()].sort()) {
      const item = element("li", null, { "data-label": label });
      const swatch = element("span", null, { class: "kg-swatch" });
      swatch.style.backgroundColor = PALETTE[label] || "#333";
      item.append(swatch, element("span", `${say("label." + label)} (${count})`));
      legend.append(item);
    }
    document.getElementById("kg-count").textContent = `${state.nodes.size} ${say("nodes")}, ${state.edges.size} ${say("relationships")}`;
    root.dataset.nodes = String(state.nodes.size);
  }

  function sourceLinks(edge) {
    const cell = element("td");
    (edge.source_ids || []).forEach((uid, i) => {
      const quote = (edge.quotes || [])[i] || "";
      const link = element("a", quote ? `“${quote}”` : uid, { href: withToken(`/sources/${encodeURIComponent(uid)}`) });
      link.title = uid;
      cell.append(link, element("br"));
    });
    return cell;
  }

  function renderTable() {
    const nodeBody = document.getElementById("kg-node-rows");
    nodeBody.replaceChildren();
    for (const n of [...state.nodes.values()].sort((a, b) => (a.label + a.name).localeCompare(b.label + b.name))) {
      const row = element("tr", null, { "data-id": n.id, tabindex: "0" });
      row.append(element("td", say("label." + n.label)), element("td", n.name || n.id));
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") select(n.id); });
      row.addEventListener("click", () => select(n.id));
      nodeBody.append(row);
    }
    const factBody = document.getElementById("kg-fact-rows");
    factBody.replaceChildren();
    for (const e of state.edges.values()) {
      const from = state.nodes.get(e.source), to = state.nodes.get(e.target);
      const row = element("tr", null, { "data-id": e.id });
      row.append(
        element("td", from ? from.name : e.source),
        element("td", say("type." + e.type) + (e.caption ? ` (${e.caption})` : "")),
        element("td", to ? to.name : e.target),
        sourceLinks(e),
      );
      factBody.append(row);
    }
  }

  function showDetails(id) {
    const panel = document.getElementById("kg-details");
    panel.replaceChildren();
    const n = state.nodes.get(id);
    if (!n) return;
    panel.append(element("h3", n.name || n.id), element("p", say("label." + n.label)));
    const list = element("dl");
    for (const [key, value] of Object.entries(n.properties || {})) {
      if (key === "uid" || key === "name") continue;
      list.append(element("dt", key), element("dd", Array.isArray(value) ? value.join(", ") : value));
    }
    panel.append(list);
    const facts = [...state.edges.values()].filter((e) => e.source === id || e.target === id);
    const quotes = element("ul");
    for (const e of facts) {
      (e.source_ids || []).forEach((uid, i) => {
        const item = element("li");
        item.append(
          element("span", `${say("type." + e.type)}: `),
          element("a", (e.quotes || [])[i] ? `“${e.quotes[i]}”` : uid, { href: withToken(`/sources/${encodeURIComponent(uid)}`) }),
        );
        quotes.append(item);
      });
    }
    panel.append(quotes);
  }

  function select(id) {
    showDetails(id);
    if (state.cy) { state.cy.elements().unselect(); state.cy.getElementById(id).select(); }
    const n = state.nodes.get(id);
    if (window.parent !== window && n) {
      window.parent.postMessage({ type: "kg:node-selected", id: n.id, label: n.label, name: n.name }, "*");
    }
    root.dataset.selected = id;
  }

  async function expand(id) {
    const response = await fetch(withToken(`/views/graph/feed?around=${encodeURIComponent(id)}&hops=1`));
    if (!response.ok) return;
    const feed = await response.json();
    const fresh = remember(feed);
    const known = new Set(state.cy.elements().map((x) => x.id()));
    state.cy.add(cyElements(feed).filter((x) => !known.has(x.data.id)));
    if (fresh.length) state.cy.layout({ name: "cose", animate: false, randomize: false }).run();
    renderLegend();
    renderTable();
    root.dataset.expanded = id;
  }

  function search(text) {
    const wanted = text.trim().toLowerCase();
    const hits = document.getElementById("kg-search-hits");
    hits.replaceChildren();
    if (!wanted) { state.cy.elements().removeClass("faded"); return; }
    const matching = new Set();
    for (const n of state.nodes.values()) if ((n.name || "").toLowerCase().includes(wanted)) matching.add(n.id);
    for (const e of state.edges.values()) {
      if ((e.quotes || []).some((q) => q.toLowerCase().includes(wanted))) { matching.add(e.source); matching.add(e.target); }
    }
    state.cy.elements().addClass("faded");
    for (const id of matching) {
      state.cy.getElementById(id).removeClass("faded");
      const n = state.nodes.get(id);
      const item = element("li", n ? `${n.name} (${say("label." + n.label)})` : id, { "data-id": id, tabindex: "0" });
      item.addEventListener("click", () => select(id));
      hits.append(item);
    }
  }

  function renderExtra(feed) {
    const box = document.getElementById("kg-extra");
    if (!box || !feed.extra) return;
    const extra = feed.extra;
    if (extra.reason) box.append(element("p", extra.reason, { class: "kg-reason" }));
    if (extra.factors) {
      const table = element("table", null, { class: "kg-factors" });
      for (const f of extra.factors) {
        const row = element("tr");
        row.append(element("th", say("factor." + f.name)), element("td", f.value === null ? "—" : f.value.toFixed(2)), element("td", f.detail));
        table.append(row);
      }
      box.append(table);
    }
    if (extra.timeline && extra.timeline.length) {
      const list = element("ol", null, { class: "kg-timeline" });
      for (const period of extra.timeline) list.append(element("li", `${period.period}: ${period.status_label || period.status || ""}`));
      box.append(element("h3", say("timeline")), list);
    }
    if (extra.note) box.append(element("p", extra.note));
  }

  async function start() {
    const response = await fetch(withToken(root.dataset.feed));
    const status = document.getElementById("kg-count");
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      status.textContent = (body.errors && body.errors[0] && body.errors[0].message) || response.statusText;
      root.dataset.error = "true";
      return;
    }
    const feed = await response.json();
    remember(feed);
    state.cy = window.cytoscape({
      container: document.getElementById("kg-canvas"),
      elements: cyElements(feed),
      style: [
        { selector: "node", style: { "background-color": "data(colour)", label: "data(name)", "font-size": 9, "text-wrap": "ellipsis", "text-max-width": 90 } },
        { selector: "edge", style: { width: 1, "line-color": "#bbb", "target-arrow-shape": "triangle", "target-arrow-color": "#bbb", "curve-style": "bezier", label: "data(caption)", "font-size": 7, color: "#555" } },
        { selector: ":selected", style: { "border-width": 3, "border-color": "#000" } },
        { selector: ".faded", style: { opacity: 0.15 } },
      ],
      layout: { name: "cose", animate: false },
    });
    state.cy.on("tap", "node", (event) => { select(event.target.id()); expand(event.target.id()); });
    state.cy.on("mouseover", "node", (event) => {
      const n = state.nodes.get(event.target.id());
      document.getElementById("kg-hover").textContent = n ? `${n.name} — ${say("label." + n.label)}` : "";
    });
    document.getElementById("kg-search").addEventListener("input", (event) => search(event.target.value));
    document.getElementById("kg-expand").addEventListener("click", () => { if (root.dataset.selected) expand(root.dataset.selected); });
    renderLegend();
    renderTable();
    renderExtra(feed);
    const subject = document.querySelector(".kg-subject");
    const anchor = feed.nodes.find((n) => n.id.endsWith(":" + root.dataset.subject));
    if (subject && anchor) subject.textContent = anchor.name;
    window.kgView = { cy: state.cy, expand, select, nodes: state.nodes };
    root.dataset.ready = "true";
  }

  start();
})();
