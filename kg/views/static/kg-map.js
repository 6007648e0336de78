// kg map: every city at its coordinates on offline Natural Earth borders (world-atlas TopoJSON, d3-geo), coloured
// by role and sized by its solutions; choosing a follower draws its top matches to the lighthouses with the score.
(function () {
  "use strict";
  const ROLE_COLOURS = { lighthouse: "#ff7f0e", follower: "#1f77b4", both: "#9467bd", other: "#7f7f7f" };
  const EUROPE = { west: -25, east: 45, south: 34, north: 72 };
  const root = document.getElementById("kg-map");
  if (!root) return;
  const words = JSON.parse(root.dataset.words || "{}");
  const token = root.dataset.token || "";
  const say = (key) => words[key] || key;
  const SVG = "http://www.w3.org/2000/svg";

  function withToken(url) {
    return token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
  }
  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  }
  function inEurope(city) {
    return city.longitude >= EUROPE.west && city.longitude <= EUROPE.east && city.latitude >= EUROPE.south && city.latitude <= EUROPE.north;
  }

  async function start() {
    const [feedResponse, atlasResponse] = await Promise.all([
      fetch(withToken(root.dataset.feed)),
      fetch(root.dataset.atlas),
    ]);
    if (!feedResponse.ok) { root.dataset.error = "true"; return; }
    const feed = await feedResponse.json();
    const atlas = await atlasResponse.json();
    const width = 760, height = 620;
    const canvas = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": say("map") });
    const countries = window.topojson.feature(atlas, atlas.objects.countries);
    const frame = { type: "Feature", geometry: { type: "MultiPoint", coordinates: [[EUROPE.west, EUROPE.south], [EUROPE.east, EUROPE.north], [EUROPE.west, EUROPE.north], [EUROPE.east, EUROPE.south]] } };
    const projection = window.d3.geoConicConformal().rotate([-10, 0]).parallels([43, 62]).fitSize([width, height], frame);
    const path = window.d3.geoPath(projection);
    const land = svg("g", { class: "kg-land" });
    for (const country of countries.features) land.append(svg("path", { d: path(country) || "" }));
    canvas.append(land);
    const lines = svg("g", { class: "kg-lines" });
    canvas.append(lines);
    const dots = svg("g", { class: "kg-cities" });
    const outside = document.getElementById("kg-outside");
    const missing = document.getElementById("kg-missing");
    const picker = document.getElementById("kg-follower");
    const positions = new Map();
    for (const city of feed.cities) {
      if (city.latitude === null || city.longitude === null) {
        missing.append(Object.assign(document.createElement("li"), { textContent: city.name }));
        continue;
      }
      if (!inEurope(city)) {
        outside.append(Object.assign(document.createElement("li"), { textContent: `${city.name} (${city.latitude.toFixed(1)}, ${city.longitude.toFixed(1)})` }));
        continue;
      }
      const [x, y] = projection([city.longitude, city.latitude]);
      positions.set(city.uid, [x, y]);
      const dot = svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 3 + Math.sqrt(city.solutions) * 2, fill: ROLE_COLOURS[city.role] || ROLE_COLOURS.other, "data-uid": city.uid, tabindex: "0" });
      const title = svg("title");
      title.textContent = `${city.name}: ${say("role." + city.role)}, ${city.solutions} ${say("solutions")}`;
      dot.append(title);
      dots.append(dot);
      if (city.role === "follower" || city.role === "both") {
        picker.append(Object.assign(document.createElement("option"), { value: city.uid, textContent: city.name }));
      }
    }
    canvas.append(dots);
    for (const list of [outside, missing]) {
      if (!list.children.length) list.append(Object.assign(document.createElement("li"), { textContent: say("none") }));
    }
    root.querySelector(".kg-map-canvas").append(canvas);

    async function showMatches(uid) {
      lines.replaceChildren();
      const list = document.getElementById("kg-match-list");
      list.replaceChildren();
      if (!uid) return;
      const response = await fetch(withToken(`/views/map/matches/${encodeURIComponent(uid)}`));
      if (!response.ok) return;
      const answer = await response.json();
      const from = positions.get(uid);
      for (const match of answer.matches) {
        const item = document.createElement("li");
        const link = Object.assign(document.createElement("a"), { textContent: `${match.lighthouse.name}: ${match.score.toFixed(2)}`, href: withToken(`/views/match/${encodeURIComponent(uid)}/${encodeURIComponent(match.lighthouse.uid)}`) });
        item.append(link);
        list.append(item);
        const to = positions.get(match.lighthouse.uid);
        if (!from || !to) continue;
        lines.append(svg("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1], "stroke-width": 1 + 3 * match.score, "data-lighthouse": match.lighthouse.uid }));
        const label = svg("text", { x: (from[0] + to[0]) / 2, y: (from[1] + to[1]) / 2 });
        label.textContent = match.score.toFixed(2);
        lines.append(label);
      }
      root.dataset.matches = String(answer.matches.length);
    }
    picker.addEventListener("change", () => showMatches(picker.value));
    const asked = new URLSearchParams(window.location.search).get("follower");
    if (asked) { picker.value = asked; showMatches(asked); }
    root.dataset.ready = "true";
  }
  start();
})();
