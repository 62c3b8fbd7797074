// The tick timeline: one lane per agent, one bar per turn, ticks left to right and new ones arriving
// live at the right. Pick a tick (click a column or a bar, the slider, or the arrow keys) to see
// what happened in it; scrub back through older ticks, loaded a page at a time.
//
// Data. The ticks are kept here, at most MAX_TICKS of them: the first page comes from
// GET /api/ticks, then the engine's events build each new tick as it runs (tick_started,
// turn_finished, turn_failed, turn_skipped, tick_finished) and a small page of the latest ticks,
// a resource refetched on tick_finished, corrects them with what the server recorded. Refetching
// the whole 200-tick page on every tick would move megabytes per tick with 200 agents.
//
// Drawing. Only the lanes in view are drawn (the lane list scrolls; one SVG stays in place and is
// redrawn for the rows under it) and only the ticks that fit the width, so the SVG holds a few
// hundred elements for 4 or 200 agents alike.
import {
  agentLink, api, formatCount, formatCredits, formatDuration, formatTime, h, live, markDrawn, navigate,
  payloadText, replace, resources, showError, stateClass, svg,
} from "./core.js";

const MAX_TICKS = 500;
const PAGE = 200;
/** The first page: a screen's worth and some (3.5 MB for 200 ticks of 200 agents; 0.8 MB for 80). */
const FIRST_PAGE = 80;
const LIVE_PAGE = 3;
const LANE_HEIGHT = 22;
const LABEL_WIDTH = 128;
const AXIS_HEIGHT = 30;
const COLUMN_WIDTH = 22;
const DETAIL_ROWS = 40;
const ENTRY_PAGE = 50;
/** Live redraws at most this often: a tick a frame needs no 60 redraws a second. */
const LIVE_REDRAW_MS = 250;

const TURN_EVENTS = ["tick_started", "turn_finished", "turn_failed", "turn_skipped", "tick_finished"];

/** "ok", "warn", "bad" or "muted" for a turn's stop reason. */
function outcomeClass(reason) {
  if (reason === "no_new_input" || reason === "running") return "muted";
  return stateClass(reason);
}

function describe(reason) {
  if (reason === "running") return "running…";
  return String(reason || "unknown").replaceAll("_", " ");
}

function compareNames(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// MARK: - The ticks kept in memory

class TickStore {
  constructor() {
    this.ticks = new Map();
    this.sorted = [];
    /** The `before` of the next older page: a tick number, or null when there is nothing older. */
    this.nextBefore = null;
    /** False once the newest ticks were dropped to make room for older ones. */
    this.hasNewest = true;
  }

  get oldest() { return this.sorted.length ? this.sorted[0] : null; }
  get newest() { return this.sorted.length ? this.sorted[this.sorted.length - 1] : null; }
  get size() { return this.sorted.length; }

  get(number) { return this.ticks.get(number); }

  /** A tick as the API gives it, with a lookup of its turns by agent. */
  static normalise(tick) {
    const turns = Array.isArray(tick.turns) ? tick.turns : [];
    const byAgent = new Map();
    for (const turn of turns) byAgent.set(turn.agent, turn);
    return {
      tick: tick.tick, started_at: tick.started_at || null,
      firing: Array.isArray(tick.firing) ? tick.firing : [],
      skipped: tick.skipped && typeof tick.skipped === "object" ? tick.skipped : {},
      finished: !!tick.finished, duration_ms: tick.duration_ms ?? null, cost: tick.cost ?? null,
      entries: tick.entries ?? null, failures: tick.failures ?? null, turns, byAgent,
    };
  }

  /** Adds or replaces ticks (answers of /api/ticks); keeps the skipped turns events told of. */
  merge(list) {
    for (const raw of list) {
      if (typeof raw?.tick !== "number") continue;
      const tick = TickStore.normalise(raw);
      const known = this.ticks.get(tick.tick);
      if (known) {
        for (const turn of known.turns) {
          if (turn.stop_reason === "no_new_input" && !tick.byAgent.has(turn.agent)) this.addTurn(tick, turn);
        }
      }
      this.ticks.set(tick.tick, tick);
    }
    this.sort();
  }

  sort() {
    this.sorted = [...this.ticks.keys()].sort((a, b) => a - b);
  }

  addTurn(tick, turn) {
    tick.longest = undefined;
    const known = tick.byAgent.get(turn.agent);
    if (known) Object.assign(known, turn);
    else { tick.turns.push(turn); tick.byAgent.set(turn.agent, turn); }
  }

  /** The tick an event is about, created when it is new (and the newest ticks are kept). */
  tickFor(event) {
    let tick = this.ticks.get(event.tick);
    if (tick) return tick;
    if (!this.hasNewest || (this.newest !== null && event.tick < this.oldest)) return null;
    tick = TickStore.normalise({ tick: event.tick, started_at: event.time });
    this.ticks.set(event.tick, tick);
    this.sort();
    return tick;
  }

  /** Applies an engine event; returns the tick number it changed, or null. */
  apply(event) {
    if (typeof event.tick !== "number") return null;
    const data = event.data || {};
    const tick = this.tickFor(event);
    if (!tick) return null;
    switch (event.type) {
      case "tick_started":
        if (Array.isArray(data.firing)) tick.firing = data.firing;
        if (data.skipped && typeof data.skipped === "object") tick.skipped = data.skipped;
        if (!tick.started_at) tick.started_at = event.time;
        break;
      case "turn_finished": case "turn_failed": case "turn_skipped":
        if (!event.agent) return null;
        this.addTurn(tick, {
          agent: event.agent,
          stop_reason: data.stop_reason || data.reason || (event.type === "turn_failed" ? "turn_failed" : "completed"),
          cost: data.cost ?? 0, duration_ms: data.duration_ms ?? 0, entries: data.entries ?? 0, error: data.error ?? null,
        });
        if (!tick.firing.includes(event.agent)) tick.firing = tick.firing.concat(event.agent);
        break;
      case "tick_finished":
        tick.finished = true;
        tick.duration_ms = data.duration_ms ?? tick.duration_ms;
        tick.cost = data.cost ?? tick.cost;
        tick.entries = data.entries ?? tick.entries;
        tick.failures = data.failures ?? tick.failures;
        break;
      default:
        return null;
    }
    return tick.tick;
  }

  /**
   * Keeps at most MAX_TICKS. New ticks push out the oldest, unless that would drop `keep` (the
   * picked tick); older pages (`scrollingBack`) push out the newest, which Latest loads again.
   */
  trim(keep, scrollingBack = false) {
    const excess = this.sorted.length - MAX_TICKS;
    if (excess <= 0) return;
    const dropOldest = !scrollingBack && (keep === null || keep === undefined || keep >= this.sorted[excess]);
    const dropped = dropOldest ? this.sorted.slice(0, excess) : this.sorted.slice(-excess);
    for (const number of dropped) this.ticks.delete(number);
    this.sort();
    if (dropOldest) this.nextBefore = this.oldest;
    else this.hasNewest = false;
  }

  clear() {
    this.ticks.clear();
    this.sorted = [];
    this.nextBefore = null;
    this.hasNewest = true;
  }
}

// MARK: - The view

function legend() {
  const item = (kind, text) => h("li", null, h("span", { class: `tl-swatch ${kind}`, "aria-hidden": "true" }), text);
  return h("ul", { class: "tl-legend", "aria-label": "Legend" },
    item("ok", "completed"),
    item("warn", "unusable reply · out of credits · loop"),
    item("bad", "failed"),
    item("muted", "no new input"),
    item("skip", "skipped (paused, out of credits…)"),
    item("running", "running"),
    item("entries", "wrote entries"),
    h("li", { class: "muted" }, "bar width: the turn's time against the tick's longest turn"));
}

export default {
  id: "timeline",
  title: "Timeline",
  mount(root, { signal }) {
    const store = new TickStore();
    const state = {
      agents: [],            // lane order
      agentSet: new Set(),
      graphAgents: [],
      selected: null,        // the picked tick
      autoSelect: true,      // until the user picks one, the picked tick is the latest
      windowEnd: null,       // the last tick column shown
      follow: true,          // the window moves with new ticks
      columns: 30,
      row: 0,                // the keyboard cursor's lane
      loadingOlder: false,
      loaded: false,
      drawn: false,
      hover: null,
      width: 800,            // the chart's width, from a ResizeObserver (no layout read per frame)
      viewHeight: LANE_HEIGHT,
      scrollTop: 0,
    };

    // MARK: elements

    const summary = h("p", { class: "muted tl-summary" }, "Loading…");
    const slider = h("input", {
      type: "range", min: "0", max: "0", value: "0", class: "tl-slider", "aria-label": "Pick a tick", disabled: true,
    });
    const tickLabel = h("output", { class: "tl-tick-label", "aria-live": "polite" }, "");
    const button = (action, text, label, onclick) =>
      h("button", { type: "button", "data-action": action, "aria-label": label, title: label, onclick }, text);
    const previous = button("previous-tick", "◀", "The tick before (←)", () => step(-1));
    const next = button("next-tick", "▶", "The tick after (→)", () => step(1));
    const latest = button("latest-tick", "Latest", "Follow the latest tick (End)", () => goLatest());
    const older = button("older-ticks", "Load older", "Load older ticks", () => loadOlder());
    const controls = h("div", { class: "tl-controls row" }, older, previous, slider, next, latest, tickLabel);

    const axis = svg("svg", { class: "tl-axis", height: AXIS_HEIGHT, "aria-hidden": "true" });
    const rows = svg("svg", { class: "tl-rows", "aria-hidden": "true" });
    const spacer = h("div", { class: "tl-spacer" }, rows);
    const lanes = h("div", { class: "tl-lanes" }, spacer);
    const tip = h("div", { class: "tl-tip", role: "tooltip", hidden: true });
    const announce = h("p", { class: "tl-announce", "aria-live": "polite" });
    const chart = h("div", {
      class: "panel tl-chart", tabindex: "0", role: "application",
      "aria-label": "Tick timeline. Left and right pick a tick, up and down move between agents, "
        + "Home and End go to the oldest and latest tick, Enter opens the agent.",
    }, axis, lanes, tip, announce);
    const empty = h("p", { class: "empty", hidden: true }, "No tick has run yet: ticks appear here as the engine runs them.");
    const detail = h("section", { class: "panel tl-detail", "aria-label": "The picked tick" });
    root.append(
      h("div", { class: "tl-head" }, h("h1", null, "Timeline"), summary),
      controls, chart, empty, legend(), detail);

    // MARK: geometry

    function windowStart() { return state.windowEnd - state.columns + 1; }

    function measure() {
      state.columns = Math.max(8, Math.floor((state.width - LABEL_WIDTH - 12) / COLUMN_WIDTH));
    }

    function columnX(tick) { return LABEL_WIDTH + (tick - windowStart()) * COLUMN_WIDTH; }

    /** Keeps the window on the newest ticks while following, and around the picked tick. */
    function settleWindow() {
      if (store.size === 0) { state.windowEnd = state.columns; return; }
      const floor = store.oldest + state.columns - 1;
      if (state.follow || state.windowEnd === null) state.windowEnd = Math.max(store.newest, floor);
      if (state.selected !== null) {
        if (state.selected > state.windowEnd) state.windowEnd = state.selected;
        if (state.selected < windowStart()) state.windowEnd = state.selected + state.columns - 1;
      }
      state.windowEnd = Math.max(Math.min(state.windowEnd, Math.max(store.newest, floor)), floor);
      state.follow = state.windowEnd >= store.newest && store.hasNewest;
    }

    // MARK: lanes

    /** Recomputes the lanes: the graph's agents and any agent in the ticks (`only`: these ticks). */
    function updateAgents(only) {
      const names = new Set(state.graphAgents);
      for (const number of only || store.sorted) {
        const tick = store.get(number);
        if (!tick) continue;
        for (const name of tick.firing) names.add(name);
        for (const turn of tick.turns) names.add(turn.agent);
      }
      if (only) for (const name of state.agentSet) names.add(name);
      names.delete("human");
      if (names.size === state.agentSet.size && [...names].every((name) => state.agentSet.has(name))) return false;
      state.agentSet = names;
      state.agents = [...names].sort(compareNames);
      spacer.style.height = `${Math.max(1, state.agents.length) * LANE_HEIGHT}px`;
      lanes.style.height = `${Math.min(state.agents.length, 18) * LANE_HEIGHT + 2}px`;
      state.row = Math.min(state.row, Math.max(0, state.agents.length - 1));
      return true;
    }

    /** What the cell of an agent in a tick holds: a turn, a running turn, a skip, or nothing. */
    function cell(tick, agent) {
      if (!tick) return null;
      const turn = tick.byAgent.get(agent);
      if (turn) return turn;
      if (tick.firing.includes(agent)) {
        return { agent, stop_reason: tick.finished ? "no_new_input" : "running", cost: 0, duration_ms: null, entries: 0, error: null };
      }
      if (tick.skipped[agent]) return { agent, skipped: tick.skipped[agent] };
      return null;
    }

    // MARK: drawing

    /** The longest turn of a tick (turns run side by side: the width of a full bar). */
    function longestTurn(tick) {
      if (tick.longest === undefined) {
        tick.longest = tick.turns.reduce((most, turn) => Math.max(most, turn.duration_ms || 0), 0);
      }
      return tick.longest;
    }

    /** Rectangles of one kind gathered into a single path: a few elements per redraw, not hundreds. */
    class Shapes {
      constructor() { this.paths = new Map(); }
      add(kind, x, y, width, height) {
        this.paths.set(kind, (this.paths.get(kind) || "") + `M${x} ${y}h${width}v${height}h${-width}z`);
      }
      elements(prefix) {
        return [...this.paths].map(([kind, d]) => svg("path", { d, class: `${prefix} ${kind}` }));
      }
    }

    function drawAxis() {
      const width = state.width;
      axis.setAttribute("width", String(width));
      const start = windowStart();
      const digits = String(Math.max(1, state.windowEnd)).length;
      const labelEvery = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((n) => n * COLUMN_WIDTH >= digits * 7 + 8) || 1000;
      const parts = [svg("text", { x: 8, y: 19, class: "tl-axis-title" }, "tick")];
      const marks = new Shapes();
      for (let tick = start; tick <= state.windowEnd; tick += 1) {
        const x = columnX(tick);
        const known = store.get(tick);
        if (tick === state.selected) {
          parts.push(svg("rect", { x, y: 2, width: COLUMN_WIDTH, height: AXIS_HEIGHT - 2, rx: 3, class: "tl-selected" }));
        }
        const nearSelected = state.selected !== null && tick !== state.selected
          && Math.abs(tick - state.selected) * COLUMN_WIDTH < digits * 7 + 6;
        if (tick > 0 && ((tick % labelEvery === 0 && !nearSelected) || tick === state.selected)) {
          parts.push(svg("text", {
            x: x + COLUMN_WIDTH / 2, y: 14, "text-anchor": "middle",
            class: ["tl-axis-label", tick === state.selected ? "selected" : null],
          }, String(tick)));
        }
        if (known) {
          const kind = !known.finished ? "running" : known.failures > 0 ? "bad" : (known.entries ?? 0) > 0 ? "entries" : "quiet";
          marks.add(kind, x + 3, AXIS_HEIGHT - 8, COLUMN_WIDTH - 6, 4);
        }
      }
      replace(axis, parts, marks.elements("tl-mark"));
    }

    function drawRows() {
      const width = state.width;
      const viewHeight = state.viewHeight;
      rows.setAttribute("width", String(width));
      rows.setAttribute("height", String(viewHeight));
      const top = state.scrollTop;
      const first = Math.max(0, Math.floor(top / LANE_HEIGHT));
      const last = Math.min(state.agents.length - 1, Math.ceil((top + viewHeight) / LANE_HEIGHT));
      const start = windowStart();
      const stripes = new Shapes();
      const bars = new Shapes();
      const labels = [];
      state.labels = new Map();
      for (let row = first; row <= last; row += 1) {
        const agent = state.agents[row];
        const y = row * LANE_HEIGHT - top;
        if (row % 2 === 1) stripes.add("tl-stripe", 0, y, width, LANE_HEIGHT);
        const label = svg("text", {
          x: 8, y: y + LANE_HEIGHT / 2, dy: "0.35em", class: ["tl-lane-label", row === state.labelHover ? "hover" : null],
        }, agent.length > 17 ? `${agent.slice(0, 16)}…` : agent);
        state.labels.set(row, label);
        labels.push(label);
        for (let number = start; number <= state.windowEnd; number += 1) {
          const tick = store.get(number);
          const content = cell(tick, agent);
          if (!content) continue;
          const x = columnX(number);
          if (content.skipped) {
            bars.add("skip", x + COLUMN_WIDTH / 2 - 3, y + LANE_HEIGHT / 2 - 1, 6, 2);
            continue;
          }
          const reason = content.stop_reason;
          const kind = reason === "running" ? "running" : outcomeClass(reason);
          const total = longestTurn(tick);
          const share = reason === "no_new_input" || reason === "running" || !total
            ? 1 : Math.min(1, (content.duration_ms || 0) / total);
          const barWidth = reason === "no_new_input" ? 4 : Math.max(4, Math.round((COLUMN_WIDTH - 4) * share));
          bars.add(kind, x + 2, y + 5, barWidth, LANE_HEIGHT - 9);
          if (content.entries > 0) bars.add("entries", x + 2, y + 1, barWidth, 3);
        }
      }
      const parts = [stripes.elements("")];
      if (state.selected !== null && state.selected >= start && state.selected <= state.windowEnd) {
        parts.push(svg("rect", { x: columnX(state.selected), y: 0, width: COLUMN_WIDTH, height: viewHeight, class: "tl-selected" }));
      }
      parts.push(labels, bars.elements("tl-bar"));
      if (state.cursorVisible && state.agents.length > 0 && state.selected !== null
        && state.row >= first && state.row <= last && state.selected >= start && state.selected <= state.windowEnd) {
        parts.push(svg("rect", {
          x: columnX(state.selected) + 0.5, y: state.row * LANE_HEIGHT - top + 0.5,
          width: COLUMN_WIDTH - 1, height: LANE_HEIGHT - 1, class: "tl-cursor",
        }));
      }
      replace(rows, parts);
    }

    function drawControls() {
      const hasTicks = store.size > 0;
      slider.disabled = !hasTicks;
      if (hasTicks) {
        slider.min = String(store.oldest);
        slider.max = String(store.newest);
        slider.value = String(state.selected ?? store.newest);
      }
      previous.disabled = !hasTicks || (state.selected !== null && state.selected <= store.oldest && store.nextBefore === null);
      next.disabled = !hasTicks || (state.selected !== null && state.selected >= store.newest && store.hasNewest);
      latest.disabled = !hasTicks;
      latest.setAttribute("aria-pressed", String(state.autoSelect));
      older.disabled = store.nextBefore === null || state.loadingOlder;
      older.textContent = state.loadingOlder ? "Loading…" : "Load older";
      tickLabel.textContent = state.selected === null ? "" : `tick ${state.selected}`;
      const span = hasTicks ? `ticks ${store.oldest}–${store.newest}` : "no ticks yet";
      summary.textContent = `${span} · ${formatCount(store.size)} loaded${store.nextBefore !== null ? ", older ones on request" : ""}`
        + ` · ${formatCount(state.agents.length)} agent${state.agents.length === 1 ? "" : "s"}`
        + (store.hasNewest ? "" : " · newer ticks not shown: press Latest");
      chart.hidden = state.agents.length === 0 && !hasTicks;
      empty.hidden = hasTicks;
    }

    let frame = 0;
    function render() {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        measure();
        settleWindow();
        drawControls();
        drawAxis();
        drawRows();
        refreshTip();
      });
    }
    signal.addEventListener("abort", () => cancelAnimationFrame(frame));

    // Live changes are drawn a few times a second; what the user does is drawn at the next frame.
    let liveTimer = 0;
    let lastLive = 0;
    let detailDue = false;
    function renderLive(detail) {
      detailDue = detailDue || detail;
      if (liveTimer) return;
      const wait = Math.max(0, LIVE_REDRAW_MS - (performance.now() - lastLive));
      liveTimer = setTimeout(() => {
        liveTimer = 0;
        lastLive = performance.now();
        if (state.autoSelect && store.size > 0 && store.hasNewest && state.selected !== store.newest) {
          state.selected = store.newest;
          detailDue = true;
        }
        render();
        if (detailDue) { detailDue = false; showDetail(false); }
      }, wait);
    }
    signal.addEventListener("abort", () => clearTimeout(liveTimer));

    let rowsFrame = 0;
    lanes.addEventListener("scroll", () => {
      state.scrollTop = lanes.scrollTop;
      if (rowsFrame) return;
      rowsFrame = requestAnimationFrame(() => { rowsFrame = 0; drawRows(); refreshTip(); });
    }, { signal, passive: true });

    const resized = new ResizeObserver(() => {
      state.width = chart.clientWidth || state.width;
      state.viewHeight = lanes.clientHeight || state.viewHeight;
      state.scrollTop = lanes.scrollTop;
      render();
    });
    resized.observe(chart);
    resized.observe(lanes);
    signal.addEventListener("abort", () => resized.disconnect());

    // MARK: tooltip

    function tipText(agent, number) {
      const tick = store.get(number);
      const content = cell(tick, agent);
      if (!content) return tick ? `${agent} · tick ${number}: did not fire` : `tick ${number}: not loaded`;
      if (content.skipped) return `${agent} · tick ${number}: skipped (${describe(content.skipped)})`;
      const lines = [`${agent} · tick ${number}`, describe(content.stop_reason)];
      if (content.stop_reason !== "running" && content.stop_reason !== "no_new_input") {
        lines.push(`${formatDuration(content.duration_ms)} · ${formatCredits(content.cost)} credits · `
          + `${content.entries} entr${content.entries === 1 ? "y" : "ies"}`);
      }
      if (content.error) lines.push(content.error);
      return lines.join("\n");
    }

    function showTip(agent, number, x, y) {
      state.hover = { agent, number, x, y };
      tip.textContent = tipText(agent, number);
      tip.hidden = false;
      const box = chart.getBoundingClientRect();
      const left = Math.min(x + 14, box.width - tip.offsetWidth - 8);
      tip.style.left = `${Math.max(4, left)}px`;
      const below = y + 16;
      const above = y - tip.offsetHeight - 10;
      tip.style.top = `${below + tip.offsetHeight > box.height && above >= 0 ? above : below}px`;
    }

    function hideTip() { state.hover = null; tip.hidden = true; }

    function refreshTip() {
      if (state.hover) showTip(state.hover.agent, state.hover.number, state.hover.x, state.hover.y);
    }

    function pointAt(event) {
      const box = rows.getBoundingClientRect();
      const x = event.clientX - box.left;
      const y = event.clientY - box.top;
      const row = Math.floor((y + state.scrollTop) / LANE_HEIGHT);
      const number = x < LABEL_WIDTH ? null : windowStart() + Math.floor((x - LABEL_WIDTH) / COLUMN_WIDTH);
      const chartBox = chart.getBoundingClientRect();
      return { agent: state.agents[row] ?? null, row, number, x: event.clientX - chartBox.left, y: event.clientY - chartBox.top };
    }

    rows.addEventListener("pointermove", (event) => {
      const point = pointAt(event);
      const onLabel = point.number === null && point.agent !== null ? point.row : null;
      if (onLabel !== state.labelHover) {
        state.labels?.get(state.labelHover)?.classList.remove("hover");
        state.labels?.get(onLabel)?.classList.add("hover");
        state.labelHover = onLabel;
      }
      if (point.agent === null || point.number === null || point.number > state.windowEnd) { hideTip(); return; }
      showTip(point.agent, point.number, point.x, point.y);
    }, { signal });
    rows.addEventListener("pointerleave", () => {
      hideTip();
      state.labels?.get(state.labelHover)?.classList.remove("hover");
      state.labelHover = null;
    }, { signal });
    rows.addEventListener("click", (event) => {
      const point = pointAt(event);
      if (point.agent === null) return;
      if (point.number === null) { navigate(`#/agents/${encodeURIComponent(point.agent)}`); return; }
      state.row = point.row;
      if (point.number <= state.windowEnd) select(point.number, false);
    }, { signal });
    axis.addEventListener("click", (event) => {
      const x = event.clientX - axis.getBoundingClientRect().left;
      if (x < LABEL_WIDTH) return;
      const number = windowStart() + Math.floor((x - LABEL_WIDTH) / COLUMN_WIDTH);
      if (number <= state.windowEnd) select(number, false);
    }, { signal });

    // MARK: picking and scrubbing

    function select(number, keepWindow) {
      if (store.size === 0) return;
      const clamped = Math.max(store.oldest, Math.min(store.newest, number));
      state.selected = clamped;
      state.autoSelect = false;
      if (!keepWindow) {
        state.follow = false;
        if (clamped >= store.newest && store.hasNewest) state.follow = true;
      }
      if (store.nextBefore !== null && clamped - store.oldest < state.columns) loadOlder();
      render();
      showDetail();
    }

    function step(delta) {
      if (state.selected === null) { select(store.newest, false); return; }
      if (delta < 0 && state.selected <= store.oldest && store.nextBefore !== null) { loadOlder(); return; }
      select(state.selected + delta, false);
    }

    async function goLatest() {
      if (!store.hasNewest) await reload();
      state.follow = true;
      select(store.newest, false);
      state.autoSelect = true;
    }

    slider.addEventListener("input", () => select(Number(slider.value), false), { signal });

    chart.addEventListener("focus", () => { state.cursorVisible = true; render(); announceCursor(); }, { signal });
    chart.addEventListener("blur", () => { state.cursorVisible = false; render(); }, { signal });
    chart.addEventListener("keydown", (event) => {
      if (event.target !== chart || event.altKey || event.ctrlKey || event.metaKey) return;
      switch (event.key) {
        case "ArrowLeft": step(-1); break;
        case "ArrowRight": step(1); break;
        case "ArrowUp": moveRow(-1); break;
        case "ArrowDown": moveRow(1); break;
        case "PageUp": select((state.selected ?? store.newest) - state.columns, false); break;
        case "PageDown": select((state.selected ?? store.newest) + state.columns, false); break;
        case "Home": select(store.oldest, false); break;
        case "End": goLatest(); break;
        case "Enter": {
          const agent = state.agents[state.row];
          if (agent) navigate(`#/agents/${encodeURIComponent(agent)}`);
          break;
        }
        default: return;
      }
      event.preventDefault();
      announceCursor();
    }, { signal });

    function moveRow(delta) {
      if (state.agents.length === 0) return;
      state.row = Math.max(0, Math.min(state.agents.length - 1, state.row + delta));
      const top = state.row * LANE_HEIGHT;
      if (top < lanes.scrollTop) lanes.scrollTop = top;
      else if (top + LANE_HEIGHT > lanes.scrollTop + lanes.clientHeight) lanes.scrollTop = top + LANE_HEIGHT - lanes.clientHeight;
      state.scrollTop = lanes.scrollTop;
      render();
    }

    function announceCursor() {
      const agent = state.agents[state.row];
      if (!agent || state.selected === null) return;
      const text = tipText(agent, state.selected);
      announce.textContent = text;
      requestAnimationFrame(() => {
        const x = columnX(state.selected) + COLUMN_WIDTH;
        const y = AXIS_HEIGHT + state.row * LANE_HEIGHT - state.scrollTop + LANE_HEIGHT / 2;
        if (document.activeElement === chart) showTip(agent, state.selected, x, y);
      });
    }

    // MARK: loading

    async function loadFirst() {
      const answer = await api.get("/api/ticks", { limit: FIRST_PAGE });
      store.merge(answer.ticks || []);
      store.nextBefore = answer.next_before ?? null;
      state.loaded = true;
      if (state.selected === null && store.size > 0) state.selected = store.newest;
      updateAgents();
      render();
      showDetail();
      if (!state.drawn) {
        state.drawn = true;
        requestAnimationFrame(() => markDrawn("timeline"));
      }
    }

    async function reload() {
      store.clear();
      state.selected = null;
      state.windowEnd = null;
      await loadFirst();
    }

    async function loadOlder() {
      if (state.loadingOlder || store.nextBefore === null) return;
      state.loadingOlder = true;
      drawControls();
      try {
        const before = Math.min(store.nextBefore, store.oldest ?? store.nextBefore);
        const answer = await api.get("/api/ticks", { limit: PAGE, before });
        if (signal.aborted) return;
        store.merge(answer.ticks || []);
        store.nextBefore = answer.next_before ?? null;
        store.trim(state.selected, true);
        updateAgents();
      } catch (error) {
        showError(error);
      } finally {
        state.loadingOlder = false;
        render();
      }
    }

    // Live: events build the ticks as they run; the small latest page corrects them.
    live.subscribe((events) => {
      if (!state.loaded) return;
      const touched = new Set();
      let finished = false;
      for (const event of events) {
        const number = store.apply(event);
        if (number === null) continue;
        touched.add(number);
        if (event.type === "tick_finished" && number === state.detailTick) finished = true;
      }
      if (touched.size === 0) return;
      store.trim(state.selected);
      if (state.selected === null && store.size > 0) { state.selected = store.newest; showDetail(); }
      updateAgents([...touched]);
      if (finished) showDetail(true);
      renderLive(touched.has(state.detailTick));
    }, { types: TURN_EVENTS, signal });

    resources.get("/api/ticks", { query: { limit: LIVE_PAGE }, refreshOn: ["tick_finished"] }).subscribe((answer) => {
      if (!state.loaded || !store.hasNewest) return;
      const ticks = answer.ticks || [];
      const oldestFetched = Math.min(...ticks.map((tick) => tick.tick));
      if (store.size > 0 && ticks.length === LIVE_PAGE && oldestFetched > store.newest + 1) { reload(); return; }
      store.merge(ticks);
      store.trim(state.selected);
      updateAgents(ticks.map((tick) => tick.tick));
      renderLive(ticks.some((tick) => tick.tick === state.detailTick));
    }, signal);

    resources.graph().subscribe((graph) => {
      state.graphAgents = (graph.nodes || []).map((node) => node.name).filter((name) => name !== "human");
      if (updateAgents()) render();
    }, signal);

    // MARK: the picked tick

    let entriesRequest = 0;
    let entriesTimer = 0;
    const detailState = { showAllTurns: false };
    signal.addEventListener("abort", () => clearTimeout(entriesTimer));

    function showDetail(refetchEntries = true) {
      const number = state.selected;
      const changedTick = state.detailTick !== number;
      if (changedTick) detailState.showAllTurns = false;
      state.detailTick = number;
      if (number === null) {
        replace(detail, h("p", { class: "muted" }, "Pick a tick: click a column or a bar, or use the slider."));
        return;
      }
      const tick = store.get(number);
      if (!tick) {
        replace(detail, h("h2", null, `Tick ${number}`), h("p", { class: "muted" }, "Not loaded."));
        return;
      }
      const status = tick.finished
        ? h("span", { class: `pill ${tick.failures > 0 ? "bad" : "ok"}` }, tick.failures > 0 ? `${tick.failures} failed` : "finished")
        : h("span", { class: "pill warn" }, "in progress");
      const facts = [
        tick.started_at ? `started ${formatTime(tick.started_at)}` : null,
        tick.duration_ms !== null ? formatDuration(tick.duration_ms) : null,
        tick.cost !== null ? `${formatCredits(tick.cost)} credits` : null,
        tick.entries !== null ? `${formatCount(tick.entries)} entr${tick.entries === 1 ? "y" : "ies"}` : null,
        `${tick.firing.length} fired`,
      ].filter(Boolean).join(" · ");

      const firing = [...tick.firing].sort(compareNames);
      const shownAgents = detailState.showAllTurns ? firing : firing.slice(0, DETAIL_ROWS);
      const shownRows = shownAgents.map((agent) => {
        const content = cell(tick, agent);
        const reason = content.stop_reason;
        const quiet = reason === "no_new_input" || reason === "running";
        return h("tr", { "data-agent-turn": agent },
          h("td", null, agentLink(agent)),
          h("td", null, h("span", { class: `pill ${reason === "running" ? "warn" : outcomeClass(reason)}` }, describe(reason))),
          h("td", { class: "num" }, quiet ? "—" : formatDuration(content.duration_ms)),
          h("td", { class: "num" }, quiet ? "—" : formatCredits(content.cost)),
          h("td", { class: "num" }, quiet ? "—" : String(content.entries)),
          h("td", { class: "tl-error" }, content.error || ""));
      });
      const moreTurns = firing.length > shownRows.length
        ? h("button", { type: "button", "data-action": "all-turns",
          onclick: () => { detailState.showAllTurns = true; showDetail(false); } }, `Show all ${firing.length} turns`)
        : null;
      const skipped = Object.entries(tick.skipped).sort((a, b) => compareNames(a[0], b[0]));
      const skippedList = skipped.length === 0 ? null : h("div", { class: "tl-skipped" },
        h("h3", null, `Skipped (${skipped.length})`),
        h("ul", { class: "tl-inline" }, skipped.slice(0, 60).map(([agent, reason]) =>
          h("li", null, agentLink(agent), h("span", { class: "muted" }, ` ${describe(reason)}`))),
        skipped.length > 60 ? h("li", { class: "muted" }, `and ${skipped.length - 60} more`) : null));

      const entriesSlot = state.entriesSlot && !changedTick && !refetchEntries
        ? state.entriesSlot
        : h("div", { class: "tl-entries" }, h("h3", null, "Entries written"), h("p", { class: "muted" }, "Loading…"));
      state.entriesSlot = entriesSlot;
      replace(detail,
        h("div", { class: "tl-detail-head" }, h("h2", null, `Tick ${number}`), status, h("span", { class: "muted" }, facts)),
        firing.length === 0 ? h("p", { class: "muted" }, "No agent fired in this tick.")
          : h("div", { class: "tl-turns" }, h("table", null,
            h("thead", null, h("tr", null, ["Agent", "Outcome", "Duration", "Cost", "Entries", "Error"].map((title, index) =>
              h("th", { class: index >= 2 && index <= 4 ? "num" : null, scope: "col" }, title)))),
            h("tbody", null, shownRows)), moreTurns),
        skippedList, entriesSlot);
      if (changedTick || refetchEntries) {
        clearTimeout(entriesTimer);
        entriesTimer = setTimeout(() => loadEntries(number, entriesSlot, null), changedTick ? 120 : 0);
      }
    }

    async function loadEntries(number, slot, before) {
      const request = ++entriesRequest;
      let answer;
      try {
        answer = await api.get("/api/messages", { from_tick: number, to_tick: number, limit: ENTRY_PAGE, before });
      } catch (error) {
        if (request === entriesRequest) replace(slot, h("h3", null, "Entries written"), h("p", { class: "error" }, error.message));
        return;
      }
      if (request !== entriesRequest || signal.aborted) return;
      const messages = answer.messages || [];
      const list = before ? slot.querySelector("ol") : h("ol", { class: "tl-entry-list" });
      for (const entry of messages) {
        const to = Array.isArray(entry.recipients) && entry.recipients.length > 0 ? entry.recipients.join(", ") : "all readers";
        const text = payloadText(entry.payload) || "";
        list.append(h("li", { "data-entry-id": entry.id, class: "tl-entry" },
          h("span", { class: "tl-entry-route" }, agentLink(entry.agent), h("span", { class: "muted" }, " → "), to),
          h("span", { class: "pill" }, entry.kind),
          entry.priority && entry.priority !== "normal" ? h("span", { class: "pill warn" }, entry.priority) : null,
          h("span", { class: "tl-entry-text", title: text.length > 240 ? text.slice(0, 2000) : null },
            text.length > 240 ? `${text.slice(0, 239)}…` : text),
          h("code", { class: "tl-entry-id muted" }, entry.id)));
      }
      const more = answer.next_cursor
        ? h("button", { type: "button", "data-action": "more-entries",
          onclick: (event) => { event.currentTarget.remove(); loadEntries(number, slot, answer.next_cursor); } }, "More entries")
        : null;
      if (before) {
        if (more) slot.append(more);
        return;
      }
      replace(slot, h("h3", null, "Entries written"),
        messages.length === 0 ? h("p", { class: "muted" }, "None.") : list, more);
    }

    loadFirst().catch((error) => {
      showError(error);
      replace(detail, h("p", { class: "error" }, `The ticks could not be loaded: ${error.message}`));
    });
  },
};
