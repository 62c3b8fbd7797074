// The org graph: who reads whom, drawn in SVG and kept live. Nodes are coloured by state, the
// agents firing in the tick under way are highlighted, and an edge pulses when an entry travels
// along it. Arrows point the way entries flow: from the author to the agent that reads it.
//
// Layout. A layered drawing (a small Sugiyama): the human is the top layer, then every agent at
// its distance from the human along who-reads-whom (breadth first), so requests read top-down the
// way they travel; the order inside each layer is improved by barycentre sweeps (each agent moves
// towards the mean position of its neighbours in the layer above, then below), which removes most
// crossings. Agents nobody connects to the human start new trees under it. Wide layers wrap into
// rows of about √n·1.4 agents, so 200 agents stay a readable, roughly square block instead of one
// 10,000-pixel line. Chosen over a force-directed layout, which at 4 agents draws the same thing
// and at 20 to 200 turns an org's hierarchy into a hairball whose shape changes with every new
// agent; this one is deterministic (same graph, same picture), costs O(sweeps × edges) and is
// only recomputed when the graph itself changes (an agent created, a resume changed).
import { h, live, markDrawn, navigate, replace, resources, stateClass, svg } from "./core.js";

const NODE_HEIGHT = 28;
const CHARACTER_WIDTH = 7.2;
const NODE_PADDING = 20;
const MIN_NODE_WIDTH = 56;
const MAX_LABEL = 18;
const GAP_X = 22;
const ROW_GAP = 30;
const LAYER_GAP = 78;
const SWEEPS = 12;
const FIRING_MIN_MS = 900;
const PULSE_MS = 1200;
const MIN_SCALE = 0.05;
const MAX_SCALE = 4;
const FIT_MAX_SCALE = 1.25;
const FIT_MARGIN = 28;

function compareNames(a, b) {
  if (a === "human") return b === "human" ? 0 : -1;
  if (b === "human") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function labelOf(name) {
  return name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
}

function nodeWidth(name) {
  return Math.max(MIN_NODE_WIDTH, Math.round(labelOf(name).length * CHARACTER_WIDTH + NODE_PADDING));
}

/** Who reads whom as adjacency lists: readers (entries flow to) and authors (read from). */
function adjacency(nodes, edges) {
  const readers = new Map();
  const authors = new Map();
  for (const node of nodes) { readers.set(node.name, []); authors.set(node.name, []); }
  for (const edge of edges) {
    if (!readers.has(edge.from) || !readers.has(edge.to) || edge.from === edge.to) continue;
    readers.get(edge.from).push(edge.to);
    authors.get(edge.to).push(edge.from);
  }
  for (const list of readers.values()) list.sort(compareNames);
  for (const list of authors.values()) list.sort(compareNames);
  return { readers, authors };
}

/**
 * Positions every node: a Map of name → {x, y, w, h} (centre and size) and the bounds. Pure and
 * deterministic; exported for tests.
 */
export function layout(nodes, edges) {
  const { readers, authors } = adjacency(nodes, edges);
  const names = nodes.map((node) => node.name).sort(compareNames);
  const hasHuman = readers.has("human");

  // 1. Layers: breadth first from the human along the way entries flow.
  const layerOf = new Map();
  const discovered = [];
  const visit = (root, depth) => {
    layerOf.set(root, depth);
    discovered.push(root);
    for (let index = discovered.length - 1; index < discovered.length; index += 1) {
      const name = discovered[index];
      for (const reader of readers.get(name)) {
        if (layerOf.has(reader)) continue;
        layerOf.set(reader, layerOf.get(name) + 1);
        discovered.push(reader);
      }
    }
  };
  if (hasHuman) visit("human", 0);
  while (layerOf.size < names.length) {
    // A new tree: the unplaced agent with the fewest unplaced authors (a source if there is one).
    let root = null;
    let fewest = Infinity;
    for (const name of names) {
      if (layerOf.has(name)) continue;
      const count = authors.get(name).reduce((sum, author) => sum + (layerOf.has(author) ? 0 : 1), 0);
      if (count < fewest) { fewest = count; root = name; }
    }
    visit(root, hasHuman ? 1 : 0);
  }
  const byLayer = [];
  for (const name of discovered) (byLayer[layerOf.get(name)] ||= []).push(name);
  const layers = byLayer.filter(Boolean);
  const layerIndex = new Map();
  layers.forEach((layer, index) => { for (const name of layer) layerIndex.set(name, index); });

  // 2. Order inside layers: barycentre sweeps, down then up, positions normalised to 0…1.
  const position = new Map();
  const place = (layer) => layer.forEach((name, index) =>
    position.set(name, layer.length === 1 ? 0.5 : index / (layer.length - 1)));
  layers.forEach(place);
  for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
    const down = sweep % 2 === 0;
    for (let step = 1; step < layers.length; step += 1) {
      const index = down ? step : layers.length - 1 - step;
      const reference = down ? index - 1 : index + 1;
      const centre = new Map();
      for (const name of layers[index]) {
        let sum = 0;
        let count = 0;
        for (const other of readers.get(name).concat(authors.get(name))) {
          if (layerIndex.get(other) !== reference) continue;
          sum += position.get(other);
          count += 1;
        }
        centre.set(name, count > 0 ? sum / count : position.get(name));
      }
      layers[index].sort((a, b) => centre.get(a) - centre.get(b) || position.get(a) - position.get(b));
      place(layers[index]);
    }
  }

  // 3. Coordinates: layers top-down, wide layers wrapped into rows on a grid.
  const perRow = Math.max(8, Math.ceil(Math.sqrt(names.length) * 1.4));
  const boxes = new Map();
  let y = 0;
  let minX = 0;
  let maxX = 0;
  for (const layer of layers) {
    const wrapped = layer.length > perRow;
    const cell = wrapped ? Math.max(...layer.map(nodeWidth)) : 0;
    for (let start = 0; start < layer.length; start += perRow) {
      const row = layer.slice(start, start + perRow);
      const widths = row.map((name) => (wrapped ? cell : nodeWidth(name)));
      const total = widths.reduce((sum, width) => sum + width, 0) + GAP_X * (row.length - 1);
      let x = -total / 2;
      row.forEach((name, index) => {
        boxes.set(name, { x: x + widths[index] / 2, y: y + NODE_HEIGHT / 2, w: nodeWidth(name), h: NODE_HEIGHT });
        x += widths[index] + GAP_X;
      });
      minX = Math.min(minX, -total / 2);
      maxX = Math.max(maxX, total / 2);
      y += NODE_HEIGHT + ROW_GAP;
    }
    y += LAYER_GAP - ROW_GAP;
  }
  const height = Math.max(NODE_HEIGHT, y - LAYER_GAP);
  return { boxes, layers, bounds: { minX, maxX, minY: 0, maxY: height } };
}

/** The point where the line from a box's centre towards (tx, ty) leaves the box (plus a gap). */
function clip(box, tx, ty, gap) {
  const dx = tx - box.x;
  const dy = ty - box.y;
  const halfWidth = box.w / 2 + gap;
  const halfHeight = box.h / 2 + gap;
  const t = Math.min(1, dx === 0 ? Infinity : halfWidth / Math.abs(dx), dy === 0 ? Infinity : halfHeight / Math.abs(dy));
  return [Math.round((box.x + dx * t) * 10) / 10, Math.round((box.y + dy * t) * 10) / 10];
}

/** A gently bent curve from one box to another; the two directions of a pair bend apart. */
function edgePath(from, to) {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  // Links along one row arc clear of the nodes between their ends.
  const sameRow = Math.abs(dy) < 1;
  const bend = sameRow ? Math.min(90, length * 0.3) : Math.min(34, length * 0.16);
  const cx = Math.round(((from.x + to.x) / 2 - (dy / length) * bend) * 10) / 10;
  const cy = Math.round(((from.y + to.y) / 2 + (dx / length) * bend) * 10) / 10;
  const [x0, y0] = clip(from, cx, cy, 1);
  const [x1, y1] = clip(to, cx, cy, 3);
  return `M${x0} ${y0}Q${cx} ${cy} ${x1} ${y1}`;
}

function topologyKey(graph) {
  const nodes = graph.nodes.map((node) => node.name).sort().join(",");
  const edges = graph.edges.map((edge) => `${edge.from}>${edge.to}`).sort().join(",");
  return `${nodes}|${edges}`;
}

function describeState(state) {
  return String(state || "unknown").replaceAll("_", " ");
}

// MARK: - The view

function legend(humanReadsEveryone) {
  const swatch = (kind, text) => h("li", null, h("span", { class: `graph-swatch ${kind}`, "aria-hidden": "true" }), text);
  return h("ul", { class: "graph-legend", "aria-label": "Legend" },
    swatch("state-ok", "active"),
    swatch("state-muted", "paused · disabled"),
    swatch("state-warn", "out of credits · loop · unusable replies"),
    swatch("state-bad", "invalid resume"),
    swatch("human", "human (operator)"),
    swatch("firing", "firing in this tick"),
    h("li", null, h("span", { class: "graph-line", "aria-hidden": "true" }), "reads: arrow from author to reader"),
    h("li", null, h("span", { class: "graph-line pulse", "aria-hidden": "true" }), "entry delivered"),
    h("li", null, h("span", { class: "graph-line outgoing", "aria-hidden": "true" }), "hovered agent → its readers"),
    h("li", null, h("span", { class: "graph-line incoming", "aria-hidden": "true" }), "what it reads"),
    humanReadsEveryone ? h("li", { class: "muted" }, "human reads everyone (not drawn)") : null);
}

export default {
  id: "graph",
  title: "Org graph",
  mount(root, { signal }) {
    const view = {
      graph: null,
      key: null,
      shape: null,
      nodes: new Map(),       // name → <g>
      edges: new Map(),       // "from>to" → <path>
      out: new Map(),         // name → [path] (edges it writes along)
      in: new Map(),          // name → [path] (edges it reads along)
      firing: new Map(),      // name → time switched on
      tickOfFiring: null,
      offTimer: null,
      pulses: new Map(),      // path → timer
      transform: { k: 1, x: 0, y: 0 },
      fitted: true,
      drawn: false,
    };

    const summary = h("p", { class: "muted graph-summary" }, "Loading…");
    const search = h("input", {
      type: "search", name: "agent", placeholder: "Find an agent", list: "graph-agents", "aria-label": "Find an agent",
      class: "graph-search",
    });
    const names = h("datalist", { id: "graph-agents" });
    const button = (action, text, label, onclick) =>
      h("button", { type: "button", "data-action": action, "aria-label": label, title: label, onclick }, text);
    const toolbar = h("div", { class: "graph-toolbar row" },
      button("zoom-in", "+", "Zoom in (+)", () => zoomBy(1.25)),
      button("zoom-out", "−", "Zoom out (−)", () => zoomBy(0.8)),
      button("fit", "Fit", "Fit the graph to the view (0)", () => fit()),
      h("form", { class: "graph-find", onsubmit: (event) => { event.preventDefault(); find(search.value); } }, search, names));
    const viewport = svg("g", { class: "graph-viewport" });
    const edgeLayer = svg("g", { class: "graph-edges" });
    const nodeLayer = svg("g", { class: "graph-nodes" });
    viewport.append(edgeLayer, nodeLayer);
    const marker = (id, kind) => svg("marker", {
      id, viewBox: "0 0 10 10", refX: "8", refY: "5", markerWidth: "7", markerHeight: "7",
      markerUnits: "userSpaceOnUse", orient: "auto",
    }, svg("path", { d: "M0 0L10 5L0 10z", class: `graph-arrow ${kind}` }));
    const canvas = svg("svg", { class: "graph", role: "group", "aria-label": "Who reads whom" },
      svg("defs", null, marker("graph-arrow", ""), marker("graph-arrow-pulse", "pulse")), viewport);
    const frame = h("div", {
      class: "graph-frame", tabindex: "0",
      "aria-label": "Org graph. Tab to the agents; + and − zoom, 0 fits, arrow keys pan.",
    }, canvas);
    const legendSlot = h("div", { class: "graph-legend-slot" }, legend(true));
    root.append(
      h("div", { class: "graph-head" }, h("h1", null, "Org graph"), summary, toolbar),
      frame, legendSlot);

    // MARK: drawing

    function draw(graph) {
      const shape = layout(graph.nodes, graph.edges);
      view.shape = shape;
      view.nodes.clear();
      view.edges.clear();
      view.out.clear();
      view.in.clear();
      for (const timer of view.pulses.values()) clearTimeout(timer);
      view.pulses.clear();
      const { readers, authors } = adjacency(graph.nodes, graph.edges);
      const edgeElements = [];
      for (const edge of graph.edges) {
        const from = shape.boxes.get(edge.from);
        const to = shape.boxes.get(edge.to);
        if (!from || !to || edge.from === edge.to) continue;
        const path = svg("path", { class: "graph-edge", d: edgePath(from, to), "marker-end": "url(#graph-arrow)" });
        const key = `${edge.from}>${edge.to}`;
        view.edges.set(key, path);
        (view.out.get(edge.from) || view.out.set(edge.from, []).get(edge.from)).push(path);
        (view.in.get(edge.to) || view.in.set(edge.to, []).get(edge.to)).push(path);
        edgeElements.push(path);
      }
      const nodeElements = [];
      for (const node of graph.nodes) {
        const box = shape.boxes.get(node.name);
        const human = node.name === "human";
        const group = svg("g", {
          class: ["graph-node", human ? "human" : null],
          "data-agent": node.name, tabindex: "0", role: "link",
          transform: `translate(${box.x} ${box.y})`,
        },
        svg("rect", {
          class: "graph-halo", x: -box.w / 2 - 5, y: -box.h / 2 - 5, width: box.w + 10, height: box.h + 10,
          rx: human ? box.h / 2 + 5 : 10,
        }),
        svg("rect", { class: "graph-box", x: -box.w / 2, y: -box.h / 2, width: box.w, height: box.h, rx: human ? box.h / 2 : 6 }),
        svg("text", { "text-anchor": "middle", dy: "0.35em" }, labelOf(node.name)),
        svg("title"));
        group.dataset.reads = String(authors.get(node.name).length);
        group.dataset.readBy = String(readers.get(node.name).length);
        view.nodes.set(node.name, group);
        nodeElements.push(group);
      }
      // Tab goes through the agents as they are drawn: layer by layer, left to right.
      nodeElements.sort((a, b) => {
        const boxA = shape.boxes.get(a.dataset.agent);
        const boxB = shape.boxes.get(b.dataset.agent);
        return boxA.y - boxB.y || boxA.x - boxB.x;
      });
      replace(edgeLayer, edgeElements);
      replace(nodeLayer, nodeElements);
      replace(names, graph.nodes.map((node) => h("option", { value: node.name })));
      paintStates(graph);
      for (const name of view.firing.keys()) view.nodes.get(name)?.classList.add("firing");
    }

    function paintStates(graph) {
      for (const node of graph.nodes) {
        const group = view.nodes.get(node.name);
        if (!group) continue;
        const kind = node.name === "human" ? "human" : stateClass(node.state);
        for (const name of ["state-ok", "state-warn", "state-bad", "state-muted"]) group.classList.remove(name);
        if (kind !== "human") group.classList.add(`state-${kind}`);
        group.dataset.state = node.state;
        const title = node.title ? ` — ${node.title}` : "";
        const state = describeState(node.state);
        group.querySelector("title").textContent =
          `${node.name}${title}\n${state}\nreads ${group.dataset.reads} · read by ${group.dataset.readBy}`;
        group.setAttribute("aria-label", `${node.name}, ${state}: open the agent`);
      }
      const agents = graph.nodes.filter((node) => node.name !== "human").length;
      const counts = new Map();
      for (const node of graph.nodes) if (node.name !== "human") counts.set(node.state, (counts.get(node.state) || 0) + 1);
      const states = [...counts].sort((a, b) => b[1] - a[1]).map(([state, count]) => `${count} ${describeState(state)}`);
      summary.textContent = `${agents} agent${agents === 1 ? "" : "s"} · ${graph.edges.length} reading link${
        graph.edges.length === 1 ? "" : "s"}${states.length ? " · " + states.join(", ") : ""}`;
    }

    function show(graph) {
      view.graph = graph;
      const key = topologyKey(graph);
      if (key !== view.key) {
        view.key = key;
        draw(graph);
        replace(legendSlot, legend(graph.human_reads_everyone !== false));
        if (view.fitted) fit(); else apply();
      } else {
        paintStates(graph);
      }
      if (!view.drawn) {
        view.drawn = true;
        markDrawn("graph");
      }
    }

    // MARK: pan and zoom

    function apply() {
      const { k, x, y } = view.transform;
      viewport.setAttribute("transform", `translate(${Math.round(x * 10) / 10} ${Math.round(y * 10) / 10}) scale(${k})`);
      frame.classList.toggle("zoomed-out", k < 0.55);
    }

    function size() {
      const rect = canvas.getBoundingClientRect();
      return { width: rect.width || 800, height: rect.height || 500 };
    }

    function fit() {
      if (!view.shape) return;
      const { minX, maxX, minY, maxY } = view.shape.bounds;
      const { width, height } = size();
      const k = Math.min(FIT_MAX_SCALE, (width - 2 * FIT_MARGIN) / Math.max(1, maxX - minX),
        (height - 2 * FIT_MARGIN) / Math.max(1, maxY - minY));
      const scale = Math.max(MIN_SCALE, k);
      view.transform = {
        k: scale,
        x: width / 2 - ((minX + maxX) / 2) * scale,
        y: height / 2 - ((minY + maxY) / 2) * scale,
      };
      view.fitted = true;
      apply();
    }

    function zoomAt(factor, px, py) {
      const { k, x, y } = view.transform;
      const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, k * factor));
      view.transform = { k: next, x: px - ((px - x) * next) / k, y: py - ((py - y) * next) / k };
      view.fitted = false;
      apply();
    }

    function zoomBy(factor) {
      const { width, height } = size();
      zoomAt(factor, width / 2, height / 2);
    }

    function panBy(dx, dy) {
      view.transform.x += dx;
      view.transform.y += dy;
      view.fitted = false;
      apply();
    }

    /** Pans so that an agent is in view (centred when it is outside); returns whether it exists. */
    function reveal(name, centre) {
      const box = view.shape?.boxes.get(name);
      if (!box) return false;
      const { k, x, y } = view.transform;
      const { width, height } = size();
      const sx = box.x * k + x;
      const sy = box.y * k + y;
      const margin = 40;
      if (centre || sx < margin || sx > width - margin || sy < margin || sy > height - margin) {
        if (centre && k < 0.8) view.transform.k = 1;
        const scale = view.transform.k;
        view.transform.x = width / 2 - box.x * scale;
        view.transform.y = height / 2 - box.y * scale;
        view.fitted = false;
        apply();
      }
      return true;
    }

    function find(text) {
      const query = text.trim().toLowerCase();
      if (!query || !view.graph) return;
      const match = view.graph.nodes.find((node) => node.name.toLowerCase() === query)
        || view.graph.nodes.find((node) => node.name.toLowerCase().startsWith(query))
        || view.graph.nodes.find((node) => node.name.toLowerCase().includes(query));
      if (!match) { search.setCustomValidity("No such agent"); search.reportValidity(); return; }
      search.setCustomValidity("");
      reveal(match.name, true);
      view.nodes.get(match.name)?.focus({ preventScroll: true });
    }
    search.addEventListener("input", () => search.setCustomValidity(""), { signal });

    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      zoomAt(Math.exp(-delta * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false, signal });

    let drag = null;
    let suppressClick = false;
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY, moved: false };
    }, { signal });
    canvas.addEventListener("pointermove", (event) => {
      if (!drag || drag.id !== event.pointerId) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) { drag.moved = true; canvas.setPointerCapture(event.pointerId); frame.classList.add("dragging"); }
      drag.x = event.clientX;
      drag.y = event.clientY;
      panBy(dx, dy);
    }, { signal });
    const endDrag = (event) => {
      if (!drag || drag.id !== event.pointerId) return;
      if (drag.moved) suppressClick = true;
      drag = null;
      frame.classList.remove("dragging");
    };
    canvas.addEventListener("pointerup", endDrag, { signal });
    canvas.addEventListener("pointercancel", endDrag, { signal });

    const open = (group) => navigate(`#/agents/${encodeURIComponent(group.dataset.agent)}`);
    canvas.addEventListener("click", (event) => {
      if (suppressClick) { suppressClick = false; return; }
      const group = event.target.closest?.("[data-agent]");
      if (group) open(group);
    }, { signal });

    frame.addEventListener("keydown", (event) => {
      if (event.target === search || event.altKey || event.ctrlKey || event.metaKey) return;
      const group = event.target.closest?.("[data-agent]");
      const step = 60;
      switch (event.key) {
        case "Enter": case " ":
          if (!group) return;
          open(group);
          break;
        case "+": case "=": zoomBy(1.25); break;
        case "-": case "_": zoomBy(0.8); break;
        case "0": fit(); break;
        case "ArrowLeft": panBy(step, 0); break;
        case "ArrowRight": panBy(-step, 0); break;
        case "ArrowUp": panBy(0, step); break;
        case "ArrowDown": panBy(0, -step); break;
        default: return;
      }
      event.preventDefault();
    }, { signal });

    // MARK: hover and focus: dim what is unrelated

    let highlighted = null;
    function highlight(name) {
      if (highlighted === name) return;
      if (highlighted !== null) {
        for (const element of frame.querySelectorAll(".related")) element.classList.remove("related");
        view.nodes.get(highlighted)?.classList.remove("hovered");
      }
      highlighted = name;
      canvas.classList.toggle("hovering", name !== null);
      if (name === null) return;
      view.nodes.get(name)?.classList.add("hovered");
      for (const path of view.out.get(name) || []) path.classList.add("related", "outgoing");
      for (const path of view.in.get(name) || []) path.classList.add("related");
      for (const edge of view.graph?.edges || []) {
        if (edge.from === name) view.nodes.get(edge.to)?.classList.add("related");
        if (edge.to === name) view.nodes.get(edge.from)?.classList.add("related");
      }
    }
    canvas.addEventListener("pointerover", (event) => {
      if (drag?.moved) return;
      const group = event.target.closest?.("[data-agent]");
      highlight(group ? group.dataset.agent : null);
    }, { signal });
    canvas.addEventListener("pointerleave", () => highlight(null), { signal });
    frame.addEventListener("focusin", (event) => {
      const group = event.target.closest?.("[data-agent]");
      if (!group) return;
      highlight(group.dataset.agent);
      reveal(group.dataset.agent, false);
    }, { signal });
    frame.addEventListener("focusout", (event) => {
      if (!frame.contains(event.relatedTarget)) highlight(null);
    }, { signal });
    // Focus must never scroll the frame: the viewport transform does the moving.
    frame.addEventListener("scroll", () => { frame.scrollTop = 0; frame.scrollLeft = 0; }, { signal });

    // MARK: live: firing agents and deliveries

    function firingOn(name, tick) {
      if (tick !== null && view.tickOfFiring !== null && tick > view.tickOfFiring) clearFiring();
      if (tick !== null) view.tickOfFiring = tick;
      clearTimeout(view.offTimer);
      if (!view.firing.has(name)) view.firing.set(name, performance.now());
      view.nodes.get(name)?.classList.add("firing");
    }

    function clearFiring() {
      clearTimeout(view.offTimer);
      for (const name of view.firing.keys()) view.nodes.get(name)?.classList.remove("firing");
      view.firing.clear();
    }

    function firingOff() {
      // Leave the highlight up long enough to be seen when the tick's events arrive together.
      const newest = Math.max(0, ...view.firing.values());
      const wait = Math.max(0, FIRING_MIN_MS - (performance.now() - newest));
      clearTimeout(view.offTimer);
      view.offTimer = setTimeout(clearFiring, wait);
    }

    function pulse(path) {
      const timer = view.pulses.get(path);
      if (timer) {
        clearTimeout(timer);
        path.classList.remove("pulse");
        path.getBoundingClientRect(); // restart the animation
      }
      path.classList.add("pulse");
      view.pulses.set(path, setTimeout(() => { path.classList.remove("pulse"); view.pulses.delete(path); }, PULSE_MS));
    }

    function pulseNode(name) {
      const group = view.nodes.get(name);
      if (!group) return;
      const timer = view.pulses.get(group);
      if (timer) { clearTimeout(timer); group.classList.remove("receiving"); group.getBoundingClientRect(); }
      group.classList.add("receiving");
      view.pulses.set(group, setTimeout(() => { group.classList.remove("receiving"); view.pulses.delete(group); }, PULSE_MS));
    }

    function delivered(event) {
      const author = event.agent;
      if (!author) return;
      const recipients = Array.isArray(event.data?.recipients) ? event.data.recipients : [];
      if (recipients.length === 0) {
        for (const path of view.out.get(author) || []) pulse(path);
        return;
      }
      for (const recipient of recipients) {
        const path = view.edges.get(`${author}>${recipient}`);
        if (path) pulse(path);
        else if (recipient === "human") pulseNode("human");
      }
    }

    live.subscribe((events) => {
      for (const event of events) {
        switch (event.type) {
          case "tick_started": if (typeof event.tick === "number" && event.tick > (view.tickOfFiring ?? -1)) {
            clearFiring();
            view.tickOfFiring = event.tick;
          } break;
          case "turn_started": if (event.agent) firingOn(event.agent, typeof event.tick === "number" ? event.tick : null); break;
          case "tick_finished": firingOff(); break;
          case "entry_written": delivered(event); break;
          default: break;
        }
      }
    }, { types: ["tick_started", "turn_started", "tick_finished", "entry_written"], signal });

    const onResize = () => { if (view.fitted) fit(); };
    window.addEventListener("resize", onResize, { signal });
    signal.addEventListener("abort", () => {
      clearTimeout(view.offTimer);
      for (const timer of view.pulses.values()) clearTimeout(timer);
    });

    resources.graph().subscribe(show, signal);
  },
};
