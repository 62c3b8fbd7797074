// The credits view: balance per agent, spend per tick, burn and ticks left at the current burn,
// top-up. Also exports the live tick series and the spend chart the overview reuses.
import {
  ApiError, agentLink, api, formatCount, formatCredits, h, live, markDrawn, replace, resources, showError,
  stateClass, svg,
} from "./core.js";

// MARK: - The live tick series

const TICK_EVENT_TYPES = ["tick_started", "turn_started", "turn_finished", "turn_failed", "tick_finished"];

function emptyTick(tick) {
  return { tick, cost: 0, entries: 0, failures: 0, finished: false, firing: [], turns: new Map(), running: new Set() };
}

/**
 * The last ticks with their turns, seeded from GET /api/ticks and kept live by tick and turn events
 * (progress events and their committed copies both arrive: a turn is keyed by its agent).
 */
export class TickSeries {
  constructor(limit = 200) {
    this.limit = limit;
    this.byTick = new Map();
    this.version = 0;
    /** Whether the history has arrived (events alone may have started the series). */
    this.seeded = false;
  }

  /** Takes an answer of GET /api/ticks (newest first). */
  seed(answer) {
    for (const item of (answer && answer.ticks) || []) {
      const tick = this.byTick.get(item.tick) || emptyTick(item.tick);
      tick.cost = Number(item.cost) || 0;
      tick.entries = Number(item.entries) || 0;
      tick.failures = Number(item.failures) || 0;
      tick.finished = item.finished !== false;
      tick.firing = Array.isArray(item.firing) ? item.firing : tick.firing;
      tick.durationMs = item.duration_ms;
      for (const turn of item.turns || []) tick.turns.set(turn.agent, turn);
      if (tick.finished) tick.running.clear();
      this.byTick.set(item.tick, tick);
    }
    this.trim();
    this.version += 1;
    this.seeded = true;
  }

  /** Applies a batch of events; true when anything changed. */
  apply(events) {
    let changed = false;
    for (const event of events) {
      if (typeof event.tick !== "number" || !TICK_EVENT_TYPES.includes(event.type)) continue;
      let tick = this.byTick.get(event.tick);
      if (!tick) {
        tick = emptyTick(event.tick);
        this.byTick.set(event.tick, tick);
      }
      const data = event.data || {};
      switch (event.type) {
        case "tick_started":
          if (Array.isArray(data.firing)) tick.firing = data.firing;
          break;
        case "turn_started":
          if (event.agent && !tick.turns.has(event.agent)) tick.running.add(event.agent);
          break;
        case "turn_finished": case "turn_failed":
          if (!event.agent) break;
          tick.running.delete(event.agent);
          tick.turns.set(event.agent, {
            agent: event.agent, stop_reason: data.stop_reason, cost: Number(data.cost) || 0,
            entries: data.entries, duration_ms: data.duration_ms, error: data.error || null,
          });
          if (!tick.finished) tick.cost = [...tick.turns.values()].reduce((sum, turn) => sum + (turn.cost || 0), 0);
          break;
        case "tick_finished":
          tick.finished = true;
          tick.running.clear();
          if (typeof data.cost === "number") tick.cost = data.cost;
          if (typeof data.entries === "number") tick.entries = data.entries;
          if (typeof data.failures === "number") tick.failures = data.failures;
          if (typeof data.duration_ms === "number") tick.durationMs = data.duration_ms;
          break;
        default:
          break;
      }
      changed = true;
    }
    if (changed) {
      this.trim();
      this.version += 1;
    }
    return changed;
  }

  trim() {
    if (this.byTick.size <= this.limit) return;
    const keep = [...this.byTick.keys()].sort((a, b) => b - a).slice(0, this.limit);
    const kept = new Set(keep);
    for (const key of [...this.byTick.keys()]) if (!kept.has(key)) this.byTick.delete(key);
  }

  /** The ticks, oldest first. */
  list() {
    return [...this.byTick.values()].sort((a, b) => a.tick - b.tick);
  }

  /** The newest tick, or null. */
  current() {
    let newest = null;
    for (const tick of this.byTick.values()) if (!newest || tick.tick > newest.tick) newest = tick;
    return newest;
  }

  /**
   * Per agent over the last `window` finished ticks: { cost, turns, perTurn, perTick }, the number
   * of ticks the window covers and their total cost.
   */
  burn(window) {
    const ticks = this.list().filter((tick) => tick.finished).slice(-window);
    const byAgent = new Map();
    for (const tick of ticks) {
      for (const turn of tick.turns.values()) {
        const entry = byAgent.get(turn.agent) || { cost: 0, turns: 0 };
        entry.cost += Number(turn.cost) || 0;
        entry.turns += 1;
        byAgent.set(turn.agent, entry);
      }
    }
    const span = Math.max(ticks.length, 1);
    for (const entry of byAgent.values()) {
      entry.perTurn = entry.turns > 0 ? entry.cost / entry.turns : 0;
      entry.perTick = entry.cost / span;
    }
    const total = ticks.reduce((sum, tick) => sum + tick.cost, 0);
    return { byAgent, span: ticks.length, total };
  }
}

/**
 * A TickSeries kept live for as long as `signal` lives; calls onChange(series) at most once per
 * animation frame when it changed.
 */
export function liveTicks(signal, onChange) {
  const series = new TickSeries();
  // Events carry every tick's and turn's figures: the history is fetched once, not at every tick
  // (200 ticks of 150 agents are 1.5 MB).
  resources.tickHistory().subscribe((answer) => { series.seed(answer); onChange(series); }, signal);
  live.subscribe((events) => { if (series.apply(events)) onChange(series); }, { types: TICK_EVENT_TYPES, signal });
  return series;
}

// MARK: - The spend chart

/** About `count` round steps from 0 to at least `max`. */
function niceSteps(max, count) {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) || raw;
  const steps = [];
  for (let value = 0; value <= max + step * 0.999; value += step) steps.push(Number(value.toPrecision(12)));
  return steps;
}

/** Sets an attribute only when it changes (a chart updated at every event touches little). */
function setAttributes(element, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    const text = String(value);
    if (element.getAttribute(name) !== text) element.setAttribute(name, text);
  }
}

/**
 * Spend per tick as SVG bars, oldest tick left, kept up to date in place: `update(ticks, width)`
 * changes only the bars whose tick changed (the tick in progress grows as its turns finish). With
 * `axes`, a credits scale on the left and tick numbers below. Each bar has a title (the hover text).
 */
export class SpendChart {
  constructor({ height, axes = false, label = "Credits spent per tick" }) {
    this.height = height;
    this.axes = axes;
    this.label = label;
    this.element = svg("svg", { class: "spend-chart", role: "img", height });
    this.scale = svg("g", { class: "scale" });
    this.bars = svg("g", { class: "bars" });
    this.empty = svg("text", { class: "axis-label", "text-anchor": "middle" }, "No tick has run yet");
    this.element.append(this.scale, this.bars, this.empty);
    this.byTick = new Map();
    this.scaleKey = "";
  }

  update(ticks, width) {
    const { height, axes } = this;
    const pad = axes ? { left: 56, right: 10, top: 10, bottom: 24 } : { left: 2, right: 2, top: 4, bottom: 2 };
    const innerWidth = Math.max(width - pad.left - pad.right, 10);
    const innerHeight = Math.max(height - pad.top - pad.bottom, 10);
    const peak = ticks.reduce((max, tick) => Math.max(max, tick.cost), 0);
    const steps = niceSteps(peak, axes ? 4 : 2);
    const top = steps[steps.length - 1] || 1;
    const first = ticks.length ? ticks[0].tick : 0;
    const last = ticks.length ? ticks[ticks.length - 1].tick : 0;
    const slots = Math.max(last - first + 1, axes ? 10 : 20);
    const slot = innerWidth / slots;
    const offset = slots - (last - first + 1);
    const baseline = pad.top + innerHeight;

    setAttributes(this.element, { width, viewBox: `0 0 ${width} ${height}` });
    const total = ticks.reduce((sum, tick) => sum + tick.cost, 0);
    this.element.setAttribute("aria-label", ticks.length === 0 ? `${this.label}: no tick yet`
      : `${this.label}: ticks ${first} to ${last}, ${formatCredits(total)} in all, at most ${formatCredits(peak)} in one tick`);
    setAttributes(this.empty, { x: width / 2, y: height / 2, display: ticks.length > 0 ? "none" : "inline" });

    // The scale: redrawn only when the size, the range of ticks or the top of the scale changes.
    const scaleKey = JSON.stringify([width, first, last, top]);
    if (scaleKey !== this.scaleKey) {
      this.scaleKey = scaleKey;
      const parts = [svg("line", { class: "axis", x1: axes ? pad.left : 0, x2: axes ? width - pad.right : width,
        y1: baseline, y2: baseline })];
      if (axes) {
        for (const value of steps) {
          const y = baseline - (value / top) * innerHeight;
          if (value > 0) parts.push(svg("line", { class: "grid-line", x1: pad.left, x2: width - pad.right, y1: y, y2: y }));
          parts.push(svg("text", { class: "axis-label", x: pad.left - 6, y: y + 4, "text-anchor": "end" }, formatCredits(value)));
        }
        if (ticks.length > 0) {
          const every = Math.max(1, Math.ceil(44 / slot));
          const stride = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000].find((s) => s >= every) || every;
          for (let tick = Math.ceil(first / stride) * stride; tick <= last; tick += stride) {
            const x = pad.left + (tick - first + offset + 0.5) * slot;
            parts.push(svg("text", { class: "axis-label", x, y: height - 6, "text-anchor": "middle" }, String(tick)));
          }
        }
      }
      replace(this.scale, parts);
    }

    // The bars, keyed by tick.
    const seen = new Set();
    const barWidth = Math.max(slot * 0.78, 1);
    let previous = null;
    for (const tick of ticks) {
      seen.add(tick.tick);
      let bar = this.byTick.get(tick.tick);
      if (!bar) {
        const title = svg("title");
        const hit = svg("rect", { class: "hit" });
        const fill = svg("rect", { class: "fill" });
        bar = { group: svg("g", { "data-tick": tick.tick }, title, hit, fill), title, hit, fill };
        this.byTick.set(tick.tick, bar);
      }
      const left = pad.left + (tick.tick - first + offset) * slot;
      const barHeight = tick.cost > 0 ? Math.max((tick.cost / top) * innerHeight, 1) : 0;
      const kind = tick.failures > 0 ? "failed" : tick.finished ? "done" : "running";
      const turns = tick.turns.size;
      const title = `tick ${tick.tick}: ${formatCredits(tick.cost)} credits · ${turns} turn${turns === 1 ? "" : "s"}`
        + ` · ${formatCount(tick.entries)} entr${tick.entries === 1 ? "y" : "ies"}`
        + (tick.failures ? ` · ${tick.failures} failed` : "") + (tick.finished ? "" : " · running");
      setAttributes(bar.group, { class: `bar ${kind}` });
      if (bar.title.textContent !== title) bar.title.textContent = title;
      // A full-height transparent band makes thin bars easy to hover.
      setAttributes(bar.hit, { x: left, y: pad.top, width: slot, height: innerHeight });
      setAttributes(bar.fill, { x: left + (slot - barWidth) / 2, y: baseline - barHeight, width: barWidth, height: barHeight });
      const expected = previous ? previous.nextSibling : this.bars.firstChild;
      if (expected !== bar.group) this.bars.insertBefore(bar.group, expected);
      previous = bar.group;
    }
    for (const [tick, bar] of this.byTick) {
      if (!seen.has(tick)) { bar.group.remove(); this.byTick.delete(tick); }
    }
    return this.element;
  }
}

/**
 * Redraws `draw(width)` into `box` when called and whenever the box's width changes, until
 * `signal`. The width comes from a ResizeObserver: reading it from the layout at every tick
 * would force a layout of the whole page.
 */
export function drawSized(box, signal, draw) {
  let width = 0;
  const redraw = () => { if (width > 0) draw(width); };
  const observer = new ResizeObserver((entries) => {
    const next = Math.floor(entries[entries.length - 1].contentRect.width);
    if (next > 0 && next !== width) { width = next; redraw(); }
  });
  observer.observe(box);
  signal.addEventListener("abort", () => observer.disconnect());
  return redraw;
}

// MARK: - Formatting

/** "∞" when nothing is spent, else the whole ticks the balance lasts. */
function ticksLeft(balance, perTick) {
  if (typeof balance !== "number") return { text: "—", value: Infinity, level: "" };
  if (balance <= 0) return { text: "0", value: 0, level: "bad" };
  if (!(perTick > 0)) return { text: "∞", value: Infinity, level: "" };
  const value = balance / perTick;
  const text = value < 1 ? "< 1" : value >= 1e6 ? "> 1,000,000" : formatCount(Math.floor(value));
  return { text, value, level: value < 3 ? "bad" : value < 10 ? "warn" : "" };
}

/** Parses a top-up amount: a positive finite number below 1e15, else an error message. */
export function parseAmount(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return { error: "Enter an amount of credits." };
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
    return { error: `'${trimmed}' is not a number${trimmed.includes(",") ? " (write 2.5, not 2,5)" : ""}.` };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value <= 0) return { error: "The amount must be more than 0." };
  if (value >= 1e15) return { error: "The amount must be below 10¹⁵." };
  return { value };
}

// MARK: - The view

const COLUMNS = [
  { key: "agent", label: "Agent", text: true },
  { key: "state", label: "State", text: true },
  { key: "balance", label: "Balance" },
  { key: "spent", label: "Spent" },
  { key: "reserved", label: "Reserved" },
  { key: "tokens", label: "Tokens in / out", title: "Sorts by the sum of both" },
  { key: "turns", label: "Turns" },
  { key: "perTurn", label: "Per turn", title: "Burn: the average cost of a turn over the window" },
  { key: "perTick", label: "Per tick", title: "Burn: spend per tick over the window" },
  { key: "ticksLeft", label: "Ticks left", title: "Balance ÷ spend per tick over the window (∞: idle)" },
];

const WINDOWS = [5, 10, 25, 50, 200];

// Remembered while the page lives.
const preferences = { sort: "ticksLeft", descending: false, window: 10 };

export default {
  id: "credits",
  title: "Credits",
  mount(root, { params, signal }) {
    const chartBox = h("div", { class: "chart-box" });
    const summary = h("dl", { class: "credit-summary" });
    const tableBody = h("tbody");
    const headRow = h("tr");
    const windowSelect = h("select", { name: "window", "aria-label": "Burn window" },
      WINDOWS.map((n) => h("option", { value: n, selected: n === preferences.window ? true : null }, `last ${n} ticks`)));
    const topUp = topUpForm(signal);
    const tableNote = h("p", { class: "muted small" });

    root.append(
      h("div", { class: "view-head" }, h("h1", null, "Credits"),
        h("label", { class: "inline" }, "Burn over ", windowSelect)),
      summary,
      h("div", { class: "credits-columns" },
        h("section", { class: "panel chart-panel", "aria-labelledby": "credits-chart-title" },
          h("h2", { id: "credits-chart-title" }, "Spend per tick"), chartBox),
        topUp.element),
      h("section", { class: "panel table-panel", "aria-labelledby": "credits-table-title" },
        h("h2", { id: "credits-table-title" }, "Balance per agent"), tableNote,
        h("div", { class: "table-scroll" }, h("table", { class: "credits-table" }, h("thead", null, headRow), tableBody))));

    let ledger = null;
    let status = null;
    let series = null;
    const rows = new Map();
    let drawnOnce = false;

    const chart = new SpendChart({ height: 200, axes: true });
    chartBox.append(chart.element);
    const drawChart = drawSized(chartBox, signal, (width) => chart.update(series ? series.list() : [], width));

    function renderHead() {
      replace(headRow, COLUMNS.map((column) => {
        const active = preferences.sort === column.key;
        const sort = active ? (preferences.descending ? "descending" : "ascending") : null;
        return h("th", { scope: "col", class: column.text ? null : "num", "aria-sort": sort, title: column.title || null },
          h("button", { type: "button", class: "sort", "data-sort": column.key,
            onclick: () => {
              if (preferences.sort === column.key) preferences.descending = !preferences.descending;
              else { preferences.sort = column.key; preferences.descending = !column.text && column.key !== "ticksLeft"; }
              renderHead();
              renderTable();
            } }, column.label, h("span", { class: "arrow", "aria-hidden": "true" },
            active ? (preferences.descending ? " ▾" : " ▴") : "")));
      }), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Top up")));
    }

    function rowData() {
      if (!ledger) return [];
      const burn = series ? series.burn(preferences.window) : { byAgent: new Map() };
      const states = new Map((status?.agents || []).map((agent) => [agent.name, agent.state]));
      return (ledger.accounts || []).map((account) => {
        const agentBurn = burn.byAgent.get(account.agent) || { perTurn: 0, perTick: 0, turns: 0 };
        const state = states.get(account.agent) || "";
        // An agent out of credits does not run until it is topped up, whatever its balance shows.
        const left = state === "budget_exhausted" ? { text: "0", value: 0, level: "bad" }
          : ticksLeft(account.balance, agentBurn.perTick);
        return {
          agent: account.agent, state, balance: account.balance, spent: account.spent,
          reserved: account.reserved, tokens_in: account.tokens_in, tokens_out: account.tokens_out,
          tokens: (account.tokens_in || 0) + (account.tokens_out || 0), turns: account.turns,
          perTurn: agentBurn.turns > 0 ? agentBurn.perTurn : null, perTick: agentBurn.perTick, ticksLeft: left.value,
          left,
        };
      });
    }

    function renderSummary(data) {
      const burn = series ? series.burn(preferences.window) : { total: 0, span: 0 };
      const balance = data.reduce((sum, row) => sum + (row.balance || 0), 0);
      const out = data.filter((row) => (typeof row.balance === "number" && row.balance <= 0)
        || row.state === "budget_exhausted").length;
      const soon = data.filter((row) => row.ticksLeft > 0 && row.ticksLeft < 10).length;
      const perTick = burn.span > 0 ? burn.total / burn.span : 0;
      const items = [
        ["Balance, all agents", formatCredits(balance), ""],
        ["Spent in all", formatCredits(ledger?.total_spent), ""],
        [burn.span > 0 ? `Spent in the last ${burn.span} tick${burn.span === 1 ? "" : "s"}` : "Spent lately",
          formatCredits(burn.total), ""],
        ["Org burn per tick", formatCredits(perTick), ""],
        ["Out of credits", formatCount(out), out > 0 ? "bad" : ""],
        ["Under 10 ticks left", formatCount(soon), soon > 0 ? "warn" : ""],
      ];
      replace(summary, items.map(([label, value, level]) =>
        h("div", { class: ["figure", level] }, h("dt", null, label), h("dd", null, value))));
    }

    function makeRow(name) {
      const cells = {};
      const row = h("tr", { "data-agent-row": name });
      for (const column of COLUMNS) {
        const cell = h("td", { class: column.text ? null : "num" });
        if (column.key === "agent") cell.append(agentLink(name));
        cells[column.key] = cell;
        row.append(cell);
      }
      row.append(h("td", null, h("button", { type: "button", class: "small-button", "data-action": "top-up-agent",
        "aria-label": `Top up ${name}`, title: `Top up ${name}`, onclick: () => topUp.choose(name) }, "+")));
      return { row, cells, texts: {} };
    }

    function setCell(entry, key, text, level) {
      const signature = `${text}|${level || ""}`;
      if (entry.texts[key] === signature) return;
      entry.texts[key] = signature;
      const cell = entry.cells[key];
      if (key === "state") {
        replace(cell, text ? h("span", { class: `pill ${stateClass(text)}` }, text.replaceAll("_", " ")) : "");
      } else {
        cell.textContent = text;
        cell.className = ["num", level].filter(Boolean).join(" ");
      }
    }

    function renderTable() {
      const data = rowData();
      renderSummary(data);
      const key = preferences.sort;
      const column = COLUMNS.find((c) => c.key === key) || COLUMNS[0];
      const sign = preferences.descending ? -1 : 1;
      data.sort((a, b) => {
        const x = a[key];
        const y = b[key];
        let order;
        if (column.text) order = String(x).localeCompare(String(y));
        else order = (x ?? -Infinity) === (y ?? -Infinity) ? 0 : (x ?? -Infinity) < (y ?? -Infinity) ? -1 : 1;
        return order * sign || a.agent.localeCompare(b.agent);
      });
      const seen = new Set();
      let previous = null;
      for (const item of data) {
        seen.add(item.agent);
        let entry = rows.get(item.agent);
        if (!entry) { entry = makeRow(item.agent); rows.set(item.agent, entry); }
        setCell(entry, "state", item.state);
        setCell(entry, "balance", formatCredits(item.balance), typeof item.balance === "number" && item.balance <= 0 ? "bad" : "");
        setCell(entry, "spent", formatCredits(item.spent));
        setCell(entry, "reserved", formatCredits(item.reserved));
        setCell(entry, "tokens", `${formatCount(item.tokens_in)} / ${formatCount(item.tokens_out)}`);
        setCell(entry, "turns", formatCount(item.turns));
        setCell(entry, "perTurn", item.perTurn === null ? "—" : formatCredits(item.perTurn));
        setCell(entry, "perTick", formatCredits(item.perTick));
        setCell(entry, "ticksLeft", item.left.text, item.left.level);
        // Move a row only when it is out of place: keeps focus and avoids layout work.
        const expected = previous ? previous.nextSibling : tableBody.firstChild;
        if (expected !== entry.row) tableBody.insertBefore(entry.row, expected);
        previous = entry.row;
      }
      for (const [name, entry] of rows) {
        if (!seen.has(name)) { entry.row.remove(); rows.delete(name); }
      }
      const span = series ? series.burn(preferences.window).span : 0;
      tableNote.textContent = data.length === 0 ? "No agent has an account yet."
        : `${formatCount(data.length)} agent${data.length === 1 ? "" : "s"}; `
          + (span > 0 ? `burn over the last ${span} tick${span === 1 ? "" : "s"}` : "no tick has run yet")
          + ". Click a column to sort.";
      // The first choice: the agent in the address, else the table's first (the fewest ticks left).
      topUp.setAgents(data.map((row) => row.agent).sort(), params[0] || data[0]?.agent);
    }

    let frame = 0;
    function update() {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (signal.aborted) return;
        renderTable();
        drawChart();
        if (!drawnOnce && ledger && series?.seeded) { drawnOnce = true; markDrawn("credits"); }
      });
    }
    signal.addEventListener("abort", () => cancelAnimationFrame(frame));

    windowSelect.addEventListener("change", () => { preferences.window = Number(windowSelect.value); update(); },
      { signal });
    renderHead();
    resources.ledger().subscribe((value) => { ledger = value; update(); }, signal);
    resources.status().subscribe((value) => { status = value; update(); }, signal);
    series = liveTicks(signal, () => update());
  },
};

// MARK: - Top-up

function topUpForm(signal) {
  const select = h("select", { name: "agent", id: "top-up-agent" });
  const amount = h("input", { name: "amount", id: "top-up-amount", type: "text", inputmode: "decimal",
    autocomplete: "off", placeholder: "e.g. 5", "aria-describedby": "top-up-error" });
  const error = h("p", { class: "error field-error", id: "top-up-error", role: "alert" });
  const result = h("p", { class: "muted small", role: "status" });
  const submit = h("button", { type: "submit", class: "primary" }, "Top up");
  let agents = [];
  let chosen = null;

  const form = h("form", { class: "top-up", "data-action": "top-up", novalidate: true },
    h("label", { for: "top-up-agent" }, "Agent", select),
    h("label", { for: "top-up-amount" }, "Credits to add", amount),
    error, h("div", { class: "row" }, submit), result);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = select.value;
    const parsed = parseAmount(amount.value);
    error.textContent = "";
    amount.removeAttribute("aria-invalid");
    if (!name) { error.textContent = "Choose an agent."; return; }
    if (parsed.error) {
      error.textContent = parsed.error;
      amount.setAttribute("aria-invalid", "true");
      amount.focus();
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api.post(`/api/agents/${encodeURIComponent(name)}/top-up`, { amount: parsed.value });
      const queued = answer && answer.status === "queued";
      result.textContent = queued
        ? `${formatCredits(parsed.value)} credits for ${name}: queued, the engine applies it at its next tick.`
        : `${formatCredits(parsed.value)} credits added to ${name}.`;
      amount.value = "";
      resources.ledger().invalidate();
      resources.status().invalidate();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status !== 401) {
        error.textContent = failure.field ? `${failure.field}: ${failure.message}` : failure.message;
        if (failure.field === "amount") amount.setAttribute("aria-invalid", "true");
      } else {
        showError(failure);
      }
    } finally {
      submit.disabled = false;
    }
  }, { signal });

  return {
    element: h("section", { class: "panel top-up-panel", "aria-labelledby": "top-up-title" },
      h("h2", { id: "top-up-title" }, "Top up"),
      h("p", { class: "muted small" }, "Adds credits to an agent's balance. With an engine running, it is applied at the next tick."),
      form),
    /** Fills the agent list (kept when unchanged); `preferred` is chosen the first time. */
    setAgents(names, preferred) {
      const same = names.length === agents.length && names.every((name, index) => name === agents[index]);
      if (same) return;
      const current = agents.length === 0 ? chosen || preferred || null : select.value || chosen || preferred || null;
      agents = names;
      replace(select, names.map((name) => h("option", { value: name }, name)));
      if (current && names.includes(current)) select.value = current;
    },
    /** Selects `name` and puts the focus in the amount field. */
    choose(name) {
      chosen = name;
      select.value = name;
      amount.focus();
    },
  };
}
