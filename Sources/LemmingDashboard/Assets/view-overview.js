// The overview: what needs attention (alerts, approvals), one state tile per agent with pause and
// resume, spend per tick, the engine's totals, and a form to create an agent from a template.
import {
  ApiError, agentLink, api, formatCount, formatCredits, h, live, markDrawn, plural, replace, resources,
  showError, stateClass, toast,
} from "./core.js";
import { SpendChart, drawSized, liveTicks } from "./view-credits.js";

// MARK: - Alerts

const ALERT_KINDS = {
  config_invalid: { label: "Invalid configuration", level: "bad" },
  state_problem: { label: "State files set aside", level: "bad" },
  resume_invalid: { label: "Invalid resumes", level: "bad" },
  circuit_open: { label: "Open circuits", level: "bad" },
  budget_exhausted: { label: "Out of credits", level: "warn" },
  loop_detected: { label: "Paused: kept repeating itself", level: "warn" },
  unusable_replies: { label: "Paused: unusable replies", level: "warn" },
  approvals_waiting: { label: "Tool calls waiting for approval", level: "warn" },
  entries_undeliverable: { label: "Entries addressed to agents that cannot read them", level: "warn" },
  unread_agent: { label: "Agents nobody reads", level: "muted" },
  unreachable_agent: { label: "Agents the human cannot reach", level: "muted" },
  other: { label: "Other warnings", level: "warn" },
};

const AGENT_NAME = "([a-z0-9_]+)";

/** Reads a `status.warnings` string as an alert (for servers without `status.alerts`). */
export function classifyWarning(message) {
  const patterns = [
    [new RegExp(`^${AGENT_NAME} is out of credits`), "budget_exhausted"],
    [new RegExp(`^${AGENT_NAME} was paused: it kept repeating itself`), "loop_detected"],
    [new RegExp(`^${AGENT_NAME} was paused: its replies were unusable`), "unusable_replies"],
    [new RegExp(`^${AGENT_NAME} has \\d+ tool calls? waiting for approval`), "approvals_waiting"],
    [new RegExp(`^${AGENT_NAME} wrote \\d+ entr(?:y|ies) addressed to agents that cannot read it`), "entries_undeliverable"],
    [new RegExp(`^nobody reads ${AGENT_NAME}`), "unread_agent"],
    [new RegExp(`^${AGENT_NAME} cannot be reached by the human`), "unreachable_agent"],
    [/^the circuit of /, "circuit_open"],
    [new RegExp(`agents/${AGENT_NAME}/resume\\.json`), "resume_invalid"],
    [/lemming\.json|models\.json/, "config_invalid"],
    [/^state\/|set aside/, "state_problem"],
  ];
  for (const [pattern, kind] of patterns) {
    const match = message.match(pattern);
    if (match) return { kind, agent: match[1] || null, message };
  }
  return { kind: "other", agent: null, message };
}

function alertsOf(status) {
  if (Array.isArray(status.alerts)) {
    return status.alerts.map((alert) => ({
      kind: ALERT_KINDS[alert.kind] ? alert.kind : "other", agent: alert.agent || null,
      message: String(alert.message ?? ""),
    }));
  }
  return (status.warnings || []).map((warning) => classifyWarning(String(warning)));
}

// MARK: - Helpers

const RESUMABLE = new Set(["paused", "loop_detected", "unusable_replies"]);
const ITEMS_SHOWN = 40;

function stateText(state) {
  return String(state || "unknown").replaceAll("_", " ");
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The message with the agent's name in it as a link (or the link first when it does not name it). */
function messageWithLink(message, agent) {
  if (!agent) return message;
  const name = escapeRegExp(agent);
  const text = message.replace(new RegExp(`^agents/${name}/resume\\.json: `), "");
  const match = new RegExp(`(^|[^a-z0-9_/])${name}(?![a-z0-9_])`).exec(text);
  if (!match) return [agentLink(agent), ": ", text];
  const start = match.index + match[1].length;
  return [text.slice(0, start), agentLink(agent), text.slice(start + agent.length)];
}

async function steerAgent(name, verb, button) {
  if (button) button.disabled = true;
  try {
    const answer = await api.post(`/api/agents/${encodeURIComponent(name)}/${verb}`);
    const done = verb === "pause" ? "paused" : "resumed";
    const queued = answer && answer.status === "queued";
    toast(queued ? `${name}: ${verb} queued for the engine's next tick` : `${name} ${done}`, "ok");
    resources.status().invalidate();
    resources.graph().invalidate();
    return queued ? "queued" : "applied";
  } catch (error) {
    showError(error);
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

// MARK: - The view

// Kept while the page lives: which alert groups the user opened or closed, the tile filter.
const openGroups = new Map();
const filters = { text: "", state: "" };

export default {
  id: "overview",
  title: "Overview",
  mount(root, { signal }) {
    const totals = h("dl", { class: "ov-totals" });
    const chartBox = h("div", { class: "chart-box" });
    const chartCaption = h("p", { class: "muted small ov-caption" });
    const attention = h("div", { class: "ov-attention" });
    const tiles = h("div", { class: "ov-tiles", role: "list", "aria-label": "Agents" });
    const tilesNote = h("span", { class: "muted small", role: "status" });
    const agentCount = h("span", { class: "muted" });
    const filterInput = h("input", { type: "search", name: "filter", placeholder: "Filter by name or title",
      "aria-label": "Filter agents", value: filters.text });
    const stateSelect = h("select", { name: "state", "aria-label": "Filter by state" });
    const create = createAgentForm(signal);
    const createToggle = h("button", { type: "button", "data-action": "new-agent", "aria-expanded": "false",
      "aria-controls": "create-agent-panel" }, "New agent…");
    createToggle.addEventListener("click", () => {
      const open = create.element.hidden;
      create.element.hidden = !open;
      createToggle.setAttribute("aria-expanded", String(open));
      if (open) create.open(); else createToggle.focus();
    }, { signal });
    create.onClose = () => { create.element.hidden = true; createToggle.setAttribute("aria-expanded", "false"); createToggle.focus(); };

    root.append(
      h("div", { class: "view-head" }, h("h1", null, "Overview")),
      h("div", { class: "ov-top" },
        h("section", { class: "panel ov-engine", "aria-labelledby": "ov-engine-title" },
          h("h2", { id: "ov-engine-title" }, "Engine totals"), totals),
        h("section", { class: "panel ov-spend", "aria-labelledby": "ov-spend-title" },
          h("div", { class: "ov-panel-head" }, h("h2", { id: "ov-spend-title" }, "Credits spent per tick"),
            h("a", { href: "#/credits", class: "small" }, "Credits →")),
          chartBox, chartCaption)),
      h("section", { class: "panel ov-alerts", "aria-labelledby": "ov-alerts-title" },
        h("h2", { id: "ov-alerts-title" }, "Needs attention"), attention),
      h("section", { class: "ov-agents", "aria-labelledby": "ov-agents-title" },
        h("div", { class: "ov-agents-head" },
          h("h2", { id: "ov-agents-title" }, "Agents ", agentCount),
          filterInput, stateSelect, tilesNote, h("span", { class: "spacer" }), createToggle),
        create.element, tiles));

    let status = null;
    let approvals = null;
    let series = null;
    const drawn = { tiles: false, chart: false };
    const entries = new Map(); // name → { element, parts, signature, record, pending }
    let highlighted = { tick: null, firing: new Set(), running: new Set() };

    // MARK: chart and totals

    const chart = new SpendChart({ height: 96 });
    chartBox.append(chart.element);
    const drawChart = drawSized(chartBox, signal, (width) => {
      const ticks = series ? series.list().slice(-60) : [];
      chart.update(ticks, width);
      const last = ticks[ticks.length - 1];
      chartCaption.textContent = !last ? ""
        : `Last ${plural(ticks.length, "tick")}: ${formatCredits(ticks.reduce((sum, t) => sum + t.cost, 0))} credits; `
          + `peak ${formatCredits(ticks.reduce((max, t) => Math.max(max, t.cost), 0))}; `
          + `tick ${last.tick}: ${formatCredits(last.cost)}${last.finished ? "" : " so far"}.`;
      if (series?.seeded && !drawn.chart) { drawn.chart = true; checkDrawn(); }
    });

    let totalsKey = "";

    function renderTotals() {
      if (!status) return;
      const agents = status.agents || [];
      const turns = agents.reduce((sum, agent) => sum + (agent.turns || 0), 0);
      const spent = agents.reduce((sum, agent) => sum + (agent.spent || 0), 0);
      const states = new Map();
      for (const agent of agents) states.set(agent.state, (states.get(agent.state) || 0) + 1);
      const totalsFromServer = status.totals && typeof status.totals === "object" ? status.totals : null;
      let entriesItem;
      if (totalsFromServer && typeof totalsFromServer.entries === "number") {
        entriesItem = ["Entries", formatCount(totalsFromServer.entries)];
      } else {
        const ticks = series ? series.list() : [];
        const written = ticks.reduce((sum, tick) => sum + (tick.entries || 0), 0);
        entriesItem = [`Entries, last ${plural(ticks.length, "tick")}`, formatCount(written)];
      }
      const key = JSON.stringify([status.last_committed_tick, turns, spent, entriesItem, status.pending_commands,
        [...states.entries()], totalsFromServer]);
      if (key === totalsKey) return;
      totalsKey = key;
      const stateList = [...states.entries()].sort((a, b) => b[1] - a[1]).map(([state, count]) =>
        h("span", { class: `pill ${stateClass(state)}` }, `${formatCount(count)} ${stateText(state)}`));
      replace(totals,
        item("Ticks run", formatCount(status.last_committed_tick)),
        item("Turns", formatCount(totalsFromServer?.turns ?? turns)),
        item(entriesItem[0], entriesItem[1]),
        item("Credits spent", formatCredits(totalsFromServer?.spent ?? spent)),
        item("Commands waiting", formatCount(status.pending_commands || 0)),
        h("div", { class: "ov-states" }, h("dt", null, `${plural(agents.length, "agent")}`), h("dd", null, stateList)));
    }

    function item(label, value) {
      return h("div", null, h("dt", null, label), h("dd", null, value));
    }

    // MARK: alerts and approvals

    let attentionSignature = "";

    function renderAttention() {
      if (!status) return;
      const alerts = alertsOf(status);
      const waiting = approvals ? approvals.approvals || [] : null;
      const signature = JSON.stringify([alerts, waiting]);
      if (signature === attentionSignature) return;
      attentionSignature = signature;
      const blocks = [];
      if (waiting && waiting.length > 0) blocks.push(approvalsBlock(waiting));
      const groups = new Map();
      for (const alert of alerts) {
        // The approvals block above already lists what waits for approval.
        if (alert.kind === "approvals_waiting" && waiting) continue;
        if (!groups.has(alert.kind)) groups.set(alert.kind, []);
        groups.get(alert.kind).push(alert);
      }
      const order = Object.keys(ALERT_KINDS);
      for (const kind of [...groups.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b))) {
        blocks.push(alertGroup(kind, groups.get(kind)));
      }
      if (blocks.length === 0) blocks.push(h("p", { class: "ov-calm" }, "Nothing needs attention."));
      replace(attention, blocks);
    }

    function approvalsBlock(waiting) {
      const shown = waiting.slice(0, 5);
      return h("div", { class: "alert-group level-warn ov-approvals" },
        h("div", { class: "alert-summary" },
          h("span", { class: "pill warn" }, formatCount(waiting.length)),
          h("a", { href: "#/desk", "data-action": "open-desk" },
            `${waiting.length === 1 ? "tool call waits" : "tool calls wait"} for your approval`), " — ",
          h("a", { href: "#/desk" }, "open the human desk")),
        h("ul", { class: "alert-items" }, shown.map((request) =>
          h("li", null, agentLink(request.agent), " wants to run ", h("code", null, request.tool),
            h("span", { class: "muted" }, ` · asked at tick ${request.tick}, expires after tick ${request.expires_after_tick}`)))),
        waiting.length > shown.length ? h("p", { class: "muted small" }, `and ${waiting.length - shown.length} more on the desk`) : null);
    }

    function alertGroup(kind, alerts) {
      const meta = ALERT_KINDS[kind] || ALERT_KINDS.other;
      const names = [...new Set(alerts.map((alert) => alert.agent).filter(Boolean))];
      const remembered = openGroups.get(kind);
      const open = remembered !== undefined ? remembered : meta.level === "bad" || alerts.length <= 3;
      const list = h("ul", { class: "alert-items" });
      const fill = (count) => replace(list, alerts.slice(0, count).map((alert) => alertItem(kind, alert)),
        alerts.length > count ? h("li", null, h("button", { type: "button", class: "link-button",
          onclick: () => fill(alerts.length) }, `Show all ${formatCount(alerts.length)}`)) : null);
      fill(ITEMS_SHOWN);
      const preview = names.length > 0 && !open
        ? h("span", { class: "muted alert-preview" }, names.slice(0, 8).join(", ") + (names.length > 8 ? ", …" : "")) : null;
      const details = h("details", { class: `alert-group level-${meta.level}`, "data-alert-kind": kind, open: open ? true : null },
        h("summary", { class: "alert-summary" }, h("span", { class: `pill ${meta.level}` }, formatCount(alerts.length)),
          h("strong", null, meta.label), preview),
        list);
      details.addEventListener("toggle", () => {
        openGroups.set(kind, details.open);
        if (preview) preview.hidden = details.open;
      });
      return details;
    }

    function alertItem(kind, alert) {
      const extra = [];
      if (alert.agent && kind === "budget_exhausted") {
        extra.push(h("a", { href: `#/credits/${encodeURIComponent(alert.agent)}`, class: "small" }, "top up"));
      }
      if (alert.agent && (kind === "loop_detected" || kind === "unusable_replies")) {
        extra.push(h("button", { type: "button", class: "small-button", "data-action": "resume-agent",
          onclick: (event) => steerAgent(alert.agent, "resume", event.currentTarget) }, "Resume"));
      }
      return h("li", { "data-alert-agent": alert.agent || null },
        messageWithLink(alert.message, alert.agent), extra.length ? [" ", extra] : null);
    }

    // MARK: tiles

    function makeTile(name) {
      const parts = {
        pill: h("span", { class: "pill" }),
        title: h("span", { class: "tile-title" }),
        model: h("dd"),
        balance: h("dd"),
        stop: h("dd"),
        next: h("dd"),
        badge: h("span", { class: "tile-badge", "aria-hidden": "true" }),
        note: h("span", { class: "tile-note small", role: "status" }),
        action: h("button", { type: "button", class: "small-button tile-action" }),
      };
      const element = h("article", { class: "tile", role: "listitem", "data-agent": name },
        h("div", { class: "tile-head" },
          h("a", { class: "tile-name", href: `#/agents/${encodeURIComponent(name)}` }, name),
          parts.badge, parts.pill),
        h("div", { class: "tile-sub" }, parts.title, parts.note, parts.action),
        h("dl", { class: "tile-facts" },
          h("div", null, h("dt", null, "model"), parts.model),
          h("div", null, h("dt", null, "balance"), parts.balance),
          h("div", null, h("dt", { title: "last stop reason" }, "last"), parts.stop),
          h("div", null, h("dt", null, "next tick"), parts.next)));
      const entry = { element, parts, signature: "", record: null, pending: null };
      parts.action.addEventListener("click", async () => {
        const verb = parts.action.dataset.action === "resume-agent" ? "resume" : "pause";
        const outcome = await steerAgent(name, verb, parts.action);
        if (outcome === "queued") { entry.pending = verb; renderTile(entry, entry.record, true); }
      });
      return entry;
    }

    function renderTile(entry, agent, force = false) {
      entry.record = agent;
      const state = agent.state || "unknown";
      const signature = JSON.stringify([state, agent.title, agent.model, formatCredits(agent.balance),
        agent.last_stop_reason, agent.next_fire_tick, entry.pending]);
      if (!force && signature === entry.signature) return;
      entry.signature = signature;
      const { parts, element } = entry;
      element.dataset.state = state;
      parts.pill.className = `pill ${stateClass(state)}`;
      parts.pill.textContent = stateText(state);
      parts.title.textContent = agent.title || "";
      parts.title.title = agent.title || "";
      parts.model.textContent = agent.model || "—";
      parts.balance.textContent = formatCredits(agent.balance);
      parts.balance.className = typeof agent.balance === "number" && agent.balance <= 0 ? "bad" : "";
      parts.stop.textContent = agent.last_stop_reason ? stateText(agent.last_stop_reason) : "—";
      parts.stop.className = agent.last_stop_reason ? stateClass(agent.last_stop_reason) : "";
      parts.next.textContent = agent.next_fire_tick === null || agent.next_fire_tick === undefined ? "—" : String(agent.next_fire_tick);
      const resume = RESUMABLE.has(state);
      parts.action.dataset.action = resume ? "resume-agent" : "pause-agent";
      parts.action.textContent = resume ? "Resume" : "Pause";
      parts.action.setAttribute("aria-label", `${resume ? "Resume" : "Pause"} ${agent.name}`);
      parts.action.hidden = state === "disabled" || state === "operator";
      parts.note.textContent = entry.pending ? `${entry.pending} queued` : "";
    }

    let tileOrder = "";

    function renderTiles() {
      if (!status) return;
      const agents = status.agents || [];
      const seen = new Set();
      for (const agent of agents) {
        seen.add(agent.name);
        let entry = entries.get(agent.name);
        if (!entry) { entry = makeTile(agent.name); entries.set(agent.name, entry); }
        if (entry.pending && entry.record && entry.record.state !== agent.state) entry.pending = null;
        renderTile(entry, agent);
      }
      for (const [name, entry] of entries) {
        if (!seen.has(name)) { entry.element.remove(); entries.delete(name); }
      }
      const order = agents.map((agent) => agent.name).join("\n");
      if (order !== tileOrder) {
        tileOrder = order;
        const fragment = document.createDocumentFragment();
        for (const agent of agents) fragment.append(entries.get(agent.name).element);
        tiles.append(fragment);
      }
      agentCount.textContent = `(${formatCount(agents.length)})`;
      renderStateOptions(agents);
      applyFilter();
      applyHighlight(true);
      if (!drawn.tiles) { drawn.tiles = true; checkDrawn(); }
    }

    let stateOptions = "";

    function renderStateOptions(agents) {
      const counts = new Map();
      for (const agent of agents) counts.set(agent.state, (counts.get(agent.state) || 0) + 1);
      const signature = JSON.stringify([...counts.entries()].sort());
      if (signature === stateOptions) return;
      stateOptions = signature;
      const options = [h("option", { value: "" }, "every state")];
      for (const [state, count] of [...counts.entries()].sort()) {
        options.push(h("option", { value: state }, `${stateText(state)} (${formatCount(count)})`));
      }
      replace(stateSelect, options);
      stateSelect.value = counts.has(filters.state) ? filters.state : "";
    }

    function applyFilter() {
      const text = filters.text.trim().toLowerCase();
      const state = stateSelect.value;
      let shown = 0;
      for (const entry of entries.values()) {
        const record = entry.record || {};
        const visible = (!state || record.state === state)
          && (!text || record.name.includes(text) || String(record.title || "").toLowerCase().includes(text));
        if (entry.element.hidden === visible) entry.element.hidden = !visible;
        if (visible) shown += 1;
      }
      tilesNote.textContent = shown === entries.size ? "" : `${formatCount(shown)} shown`;
    }

    filterInput.addEventListener("input", () => { filters.text = filterInput.value; applyFilter(); }, { signal });
    stateSelect.addEventListener("change", () => { filters.state = stateSelect.value; applyFilter(); }, { signal });

    /** Highlights the agents firing in the newest tick; those whose turn runs now pulse. */
    function applyHighlight(force = false) {
      const current = series ? series.current() : null;
      const firing = new Set(current ? current.firing : []);
      const running = new Set(current ? current.running : []);
      const tick = current ? current.tick : null;
      const changed = (a, b) => a.size !== b.size || [...a].some((name) => !b.has(name));
      if (!force && tick === highlighted.tick && !changed(firing, highlighted.firing)
        && !changed(running, highlighted.running)) return;
      for (const name of new Set([...highlighted.firing, ...highlighted.running, ...firing, ...running])) {
        const entry = entries.get(name);
        if (!entry) continue;
        entry.element.classList.toggle("is-firing", firing.has(name));
        entry.element.classList.toggle("is-running", running.has(name));
        entry.parts.badge.textContent = running.has(name) ? "running" : firing.has(name) ? "firing" : "";
        entry.parts.badge.title = firing.has(name) ? `fires in tick ${tick}` : "";
      }
      highlighted = { tick, firing, running };
    }

    // MARK: live

    /** A finished turn updates its tile at once; the status that follows the tick confirms it. */
    function applyTurns(events) {
      for (const event of events) {
        const entry = event.agent ? entries.get(event.agent) : null;
        if (!entry || !entry.record) continue;
        const data = event.data || {};
        const record = { ...entry.record };
        if (typeof data.balance === "number") record.balance = data.balance;
        if (data.stop_reason) record.last_stop_reason = data.stop_reason;
        renderTile(entry, record);
      }
    }

    let frame = 0;
    const dirty = new Set();
    function update(part) {
      dirty.add(part);
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (signal.aborted) return;
        const parts = new Set(dirty);
        dirty.clear();
        if (parts.has("status")) { renderTiles(); renderTotals(); }
        if (parts.has("status") || parts.has("approvals")) renderAttention();
        if (parts.has("ticks")) { drawChart(); applyHighlight(); if (!parts.has("status")) renderTotals(); }
      });
    }
    signal.addEventListener("abort", () => cancelAnimationFrame(frame));

    function checkDrawn() {
      if (drawn.tiles && drawn.chart) markDrawn("overview");
    }

    live.subscribe(applyTurns, { types: ["turn_finished", "turn_failed"], signal });
    live.subscribe((events) => {
      // A queued pause or resume was applied (or refused): the status that follows shows it.
      if (events.some((event) => event.agent && entries.get(event.agent)?.pending)) {
        for (const event of events) {
          const entry = event.agent ? entries.get(event.agent) : null;
          if (entry && entry.pending) { entry.pending = null; renderTile(entry, entry.record, true); }
        }
      }
    }, { types: ["agent_paused", "agent_resumed", "command_rejected"], signal });
    resources.status().subscribe((value) => { status = value; update("status"); }, signal);
    resources.approvals().subscribe((value) => { approvals = value; update("approvals"); }, signal);
    series = liveTicks(signal, () => update("ticks"));
  },
};

// MARK: - Create an agent

function createAgentForm(signal) {
  const fields = {
    name: h("input", { name: "name", id: "new-agent-name", required: true, autocomplete: "off", spellcheck: "false",
      pattern: "[a-z0-9_]{1,64}", placeholder: "e.g. tester", "aria-describedby": "new-agent-name-hint" }),
    template: h("input", { name: "template", id: "new-agent-template", autocomplete: "off", placeholder: "worker" }),
    title: h("input", { name: "title", id: "new-agent-title", autocomplete: "off", placeholder: "optional" }),
    model: h("input", { name: "model", id: "new-agent-model", autocomplete: "off", placeholder: "the template's",
      list: "new-agent-models" }),
  };
  const models = h("datalist", { id: "new-agent-models" });
  const templateSlot = h("span", { class: "field-slot" }, fields.template);
  const error = h("p", { class: "error field-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Create");
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h("form", { class: "create-agent", "data-action": "create-agent", novalidate: true },
    h("label", { for: "new-agent-name" }, "Name", fields.name,
      h("span", { id: "new-agent-name-hint", class: "hint" }, "lowercase letters, digits, _")),
    h("label", { for: "new-agent-template" }, "Template", templateSlot),
    h("label", { for: "new-agent-title" }, "Title", fields.title),
    h("label", { for: "new-agent-model" }, "Model", fields.model, models),
    h("div", { class: "create-actions" }, submit, cancel),
    error);
  const element = h("section", { class: "panel ov-create", id: "create-agent-panel", hidden: true,
    "aria-labelledby": "create-agent-title" },
  h("h3", { id: "create-agent-title" }, "Create an agent from a template"),
  h("p", { class: "muted small" }, "The new agent joins at the next tick, also while an engine runs."),
  form);

  let loaded = false;
  const controller = {
    element,
    onClose: null,
    open() {
      fields.name.focus();
      if (loaded) return;
      loaded = true;
      resources.templates().get().then((answer) => {
        const templates = (answer && answer.templates) || [];
        if (templates.length === 0) return;
        const byName = new Map(templates.map((template) => [template.name, template]));
        const select = h("select", { name: "template", id: "new-agent-template", "aria-describedby": "new-agent-template-hint" },
          h("option", { value: "" }, byName.has("worker") ? "default (worker)" : "default (a minimal resume)"),
          templates.map((template) => h("option", { value: template.name, disabled: template.problem ? true : null },
            `${template.name}${template.title ? ` — ${template.title}` : ""}${template.problem ? " (unusable)" : ""}`)));
        const hint = h("span", { class: "hint", id: "new-agent-template-hint" });
        const describe = () => {
          const template = byName.get(select.value || "worker");
          hint.textContent = !template ? ""
            : template.problem || [template.short_description, template.model ? `model ${template.model}` : null]
              .filter(Boolean).join(" · ");
        };
        select.addEventListener("change", describe);
        describe();
        fields.template = select;
        replace(templateSlot, select, hint);
      }, (failure) => {
        // No template list (an older server): the text field stays.
        if (!(failure instanceof ApiError) || failure.status !== 404) showError(failure);
      });
      api.get("/api/models").then((answer) => {
        replace(models, ((answer && answer.models) || []).map((model) => h("option", { value: model.key })));
      }, () => {});
    },
  };

  cancel.addEventListener("click", () => { clearErrors(); controller.onClose?.(); }, { signal });

  function clearErrors() {
    error.textContent = "";
    for (const field of Object.values(fields)) field.removeAttribute("aria-invalid");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const name = fields.name.value.trim();
    if (!/^[a-z0-9_]{1,64}$/.test(name)) {
      error.textContent = name === "" ? "name: enter a name for the agent."
        : "name: use lowercase letters, digits and '_' (at most 64).";
      fields.name.setAttribute("aria-invalid", "true");
      fields.name.focus();
      return;
    }
    const body = { name };
    for (const key of ["template", "title", "model"]) {
      const value = fields[key].value.trim();
      if (value) body[key] = value;
    }
    submit.disabled = true;
    try {
      const answer = await api.post("/api/agents", body);
      const warnings = (answer && answer.warnings) || [];
      const notes = warnings.map((warning) => (typeof warning === "string" ? warning : warning.message || JSON.stringify(warning)));
      toast(`${name} created; it joins at the next tick.${notes.length ? ` ${notes.join(" ")}` : ""}`, "ok");
      form.reset();
      resources.status().invalidate();
      resources.graph().invalidate();
      resources.tools().invalidate();
      controller.onClose?.();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status !== 401) {
        // A 409 is a name already taken.
        const named = failure.field || (failure.status === 409 ? "name" : null);
        const field = named && fields[named] ? named : null;
        const details = failure.details.map((detail) => detail.message || JSON.stringify(detail)).join("; ");
        const prefix = failure.field && !failure.message.startsWith(`${failure.field}:`) ? `${failure.field}: ` : "";
        error.textContent = `${prefix}${failure.message}${details ? ` (${details})` : ""}`;
        if (field) { fields[field].setAttribute("aria-invalid", "true"); fields[field].focus(); }
      } else {
        showError(failure);
      }
    } finally {
      submit.disabled = false;
    }
  }, { signal });

  return controller;
}
