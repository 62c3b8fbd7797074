// The agents view: `#/agents` lists every agent; `#/agents/<name>[/<tab>]` inspects one (overview,
// turns with their exact prompts, outbox, memory, logs) and edits its resume. Live: the list follows
// the shared status; the inspector refetches what an event about this agent changed, once per frame.
import {
  ApiError, act, agentLink, api, formatCount, formatCredits, formatDuration, formatTime, h, live, markDrawn,
  payloadText, replace, resources, showError, stateClass, toast,
} from "./core.js";

const HUMAN = "human";
const enc = encodeURIComponent;

/** How many rows a live list keeps (older ones are dropped; "Load older" pages them back in). */
const LIST_CAP = 500;
const TURN_CAP = 100;
const TURN_PAGE = 10;
const PAGE = 50;

export default {
  id: "agents",
  title: "Agents",
  mount(root, ctx) {
    const name = ctx.params[0];
    if (name) return mountInspector(root, name, ctx.params[1], ctx.signal);
    return mountList(root, ctx.signal);
  },
};

// MARK: - Small helpers

function pill(text, kind) {
  return h("span", { class: `pill ${kind || stateClass(text)}` }, text ?? "—");
}

function messageLink(id) {
  return h("a", { href: `#/messages/${enc(id)}`, class: "mono entry-link" }, id);
}

function pretty(value) {
  if (value === undefined) return "";
  try { return JSON.stringify(value, null, 2); } catch { return String(value); }
}

function compact(value) {
  try { return JSON.stringify(value); } catch { return String(value); }
}

function chars(text) {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1; // a low surrogate ends a pair already counted
  }
  return count;
}

function plural(count, one, many = `${one}s`) {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

function definitions(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([term, value]) =>
    [h("dt", null, term), h("dd", null, value === null || value === undefined || value === "" ? "—" : value)]));
}

function card(title, ...children) {
  return h("section", { class: "panel agent-card" }, h("h2", null, title), children);
}

function linkList(names, empty) {
  if (!names || names.length === 0) return h("span", { class: "muted" }, empty);
  return h("ul", { class: "name-list" }, names.map((name) => h("li", null,
    name === "*" ? h("span", null, h("code", null, "*"), " every agent") : agentLink(name))));
}

const drawnKeys = new WeakMap();

/**
 * Redraws `element` with build() only when `data` (compared as JSON) changed: an unchanged part
 * keeps its nodes, so a live refresh takes no click, focus or selection away from it.
 */
function redraw(element, data, build) {
  const key = compact(data ?? null);
  if (drawnKeys.get(element) === key) return element;
  drawnKeys.set(element, key);
  replace(element, build());
  return element;
}

/**
 * Wraps an async refresh so that calls while one runs make one more run after it, never two at
 * once: an event that arrives during a fetch is not lost, and answers never race.
 */
function coalesce(refresh) {
  let running = null;
  let again = false;
  const run = async () => {
    if (running) { again = true; return running; }
    running = (async () => {
      do { again = false; await refresh(); } while (again);
    })().finally(() => { running = null; });
    return running;
  };
  return run;
}

/** A button that pages further: disabled while loading, hidden when there is nothing more. */
function moreButton(label, onclick) {
  const button = h("button", { type: "button", class: "more", onclick: () => onclick(button) }, label);
  return button;
}

// MARK: - The list

const COLUMNS = [
  { key: "name", label: "Agent" },
  { key: "title", label: "Title" },
  { key: "state", label: "State" },
  { key: "model", label: "Model" },
  { key: "balance", label: "Balance", num: true },
  { key: "next_fire_tick", label: "Next fire", num: true },
  { key: "turns", label: "Turns", num: true },
  { key: "last_stop_reason", label: "Last stop" },
];

function listRows(status) {
  const rows = (status.agents || []).map((agent) => ({ ...agent }));
  rows.push({
    name: HUMAN, title: "the operator", state: "operator", model: null, balance: null, next_fire_tick: null,
    turns: null, last_stop_reason: null, errors: [], human: true,
  });
  return rows;
}

function mountList(root, signal) {
  const filter = h("input", {
    type: "search", class: "agents-filter", placeholder: "Filter: name, title, model, state",
    "aria-label": "Filter agents", "data-action": "filter-agents",
  });
  const count = h("span", { class: "muted small", role: "status" });
  const tbody = h("tbody");
  const sort = { key: "name", descending: false };
  const headers = COLUMNS.map((column) => {
    const button = h("button", { type: "button", class: "sort", onclick: () => {
      sort.descending = sort.key === column.key ? !sort.descending : false;
      sort.key = column.key;
      render();
    } }, column.label);
    return h("th", { class: column.num ? "num" : null, scope: "col", "data-column": column.key }, button);
  });
  root.append(
    h("div", { class: "agents-head" }, h("h1", null, "Agents"), filter, count),
    h("div", { class: "panel table-wrap" },
      h("table", { class: "agents-table" }, h("thead", null, h("tr", null, headers)), tbody)));

  let rows = [];
  const drawn = new Map(); // name → its <tr>
  const render = () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = rows.filter((row) => {
      const text = [row.name, row.title, row.model, row.state, row.last_stop_reason].join(" ").toLowerCase();
      return words.every((word) => text.includes(word));
    });
    const column = COLUMNS.find((item) => item.key === sort.key);
    shown.sort((a, b) => {
      if (a.human !== b.human) return a.human ? 1 : -1; // the human stays last
      const x = a[sort.key], y = b[sort.key];
      let order;
      if (x === y) order = 0;
      else if (x === null || x === undefined) order = 1;
      else if (y === null || y === undefined) order = -1;
      else order = column.num ? x - y : String(x).localeCompare(String(y));
      if (order === 0) order = a.name.localeCompare(b.name);
      return sort.descending ? -order : order;
    });
    headers.forEach((th, index) => {
      const key = COLUMNS[index].key;
      if (key === sort.key) th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    count.textContent = words.length ? `${shown.length} of ${rows.length}` : plural(rows.length, "participant");
    if (shown.length === 0) {
      replace(tbody, h("tr", null, h("td", { colspan: COLUMNS.length, class: "empty" }, "No agent matches the filter.")));
      return;
    }
    const order = shown.map((row) => listRow(row, drawn));
    for (const name of drawn.keys()) {
      if (!rows.some((row) => row.name === name)) drawn.delete(name);
    }
    // Rows move only when the order changed: moving a row would drop the focus inside it.
    const current = [...tbody.children];
    if (current.length !== order.length || current.some((row, index) => row !== order[index])) {
      tbody.replaceChildren(...order);
    }
  };
  filter.addEventListener("input", render, { signal });
  resources.status().subscribe((status) => {
    rows = listRows(status);
    render();
    markDrawn("agents");
  }, signal);
}

/** The row of an agent, reused; each cell is redrawn only when what it shows changed. */
function listRow(row, drawn) {
  let tr = drawn.get(row.name);
  if (!tr) {
    tr = h("tr", { "data-agent": row.name }, COLUMNS.map((column) =>
      h("td", { class: column.num ? "num" : ["title", "state"].includes(column.key) ? "wrap" : null })));
    drawn.set(row.name, tr);
  }
  const cells = tr.children;
  const issues = (row.errors || []).filter((issue) => issue.severity !== "warning").length;
  redraw(cells[0], row.name, () => agentLink(row.name));
  redraw(cells[1], row.title, () => row.title || h("span", { class: "muted" }, "—"));
  redraw(cells[2], [row.state, issues], () =>
    [pill(row.state), issues ? [" ", pill(plural(issues, "issue"), "bad")] : null]);
  redraw(cells[3], row.model, () => h("span", { class: "mono" }, row.model || "—"));
  redraw(cells[4], row.balance, () => (row.human ? "—" : formatCredits(row.balance)));
  redraw(cells[5], row.next_fire_tick, () => String(row.next_fire_tick ?? "—"));
  redraw(cells[6], row.turns, () => (row.human ? "—" : formatCount(row.turns ?? 0)));
  redraw(cells[7], row.last_stop_reason, () => (row.last_stop_reason ? pill(row.last_stop_reason) : "—"));
  return tr;
}

// MARK: - The inspector

const TABS = {
  overview: "Overview",
  turns: "Turns",
  outbox: "Outbox",
  memory: "Memory",
  logs: "Logs",
  resume: "Resume editor",
};

// Events about this agent that change GET /api/agents/<name> (its own turn, credits, state).
const SELF_QUIET = new Set(["turn_started", "entry_written", "memory_updated", "tool_called"]);
// Events about anyone that change it (the next fire tick, who reads whom).
const ORG_EVENTS = new Set(["tick_finished", "agent_created", "resume_loaded", "resume_invalid", "command_applied",
  "recovered", "engine_started"]);

function mountInspector(root, name, initialTab, signal) {
  const isHuman = name === HUMAN;
  const tabIds = isHuman ? ["overview", "outbox", "logs"] : Object.keys(TABS);
  const detail = resources.get(`/api/agents/${enc(name)}`, { refreshOn: [] });
  const header = h("header", { class: "agent-header" });
  const tabBar = h("div", { class: "tabs", role: "tablist", "aria-label": `${name}: sections` });
  const body = h("div", { class: "agent-body" });
  root.append(
    h("nav", { class: "crumbs small", "aria-label": "Breadcrumb" }, h("a", { href: "#/agents" }, "Agents"), " / ",
      h("span", { "aria-current": "page" }, name)),
    header, tabBar, body);

  const context = { name, isHuman, signal, detail, tab: null, value: null, select: null };
  const tabs = new Map();
  const buttons = new Map();
  for (const id of tabIds) {
    const button = h("button", {
      type: "button", role: "tab", id: `agent-tab-${id}`, "aria-controls": `agent-panel-${id}`,
      "aria-selected": "false", tabindex: "-1", "data-tab": id, onclick: () => select(id),
    }, TABS[id]);
    buttons.set(id, button);
    tabBar.append(button);
  }
  tabBar.addEventListener("keydown", (event) => {
    const index = tabIds.indexOf(context.tab);
    let next = null;
    if (event.key === "ArrowRight") next = tabIds[(index + 1) % tabIds.length];
    else if (event.key === "ArrowLeft") next = tabIds[(index - 1 + tabIds.length) % tabIds.length];
    else if (event.key === "Home") next = tabIds[0];
    else if (event.key === "End") next = tabIds[tabIds.length - 1];
    if (!next) return;
    event.preventDefault();
    select(next);
    buttons.get(next).focus();
  }, { signal });

  const makers = { overview: overviewTab, turns: turnsTab, outbox: outboxTab, memory: memoryTab, logs: logsTab,
    resume: resumeTab };

  function select(id, { updateHash = true } = {}) {
    if (!tabIds.includes(id)) id = "overview";
    context.tab = id;
    for (const [key, button] of buttons) {
      button.setAttribute("aria-selected", String(key === id));
      button.tabIndex = key === id ? 0 : -1;
    }
    let tab = tabs.get(id);
    if (!tab) {
      const panel = h("div", { role: "tabpanel", id: `agent-panel-${id}`, "aria-labelledby": `agent-tab-${id}`,
        class: `agent-panel panel-${id}`, "data-panel": id });
      body.append(panel);
      tab = makers[id](panel, context);
      tab.panel = panel;
      tabs.set(id, tab);
      if (context.value && tab.onDetail) tab.onDetail(context.value);
    }
    for (const [key, other] of tabs) other.panel.hidden = key !== id;
    if (tab.stale && tab.refresh) { tab.stale = false; tab.refresh(); }
    if (updateHash) {
      const hash = `#/agents/${enc(name)}${id === "overview" ? "" : `/${id}`}`;
      if (location.hash !== hash) history.replaceState(null, "", hash);
    }
    return tab;
  }
  context.select = select;
  const updateHeader = makeHeader(header, context);

  // The agent's detail: fetched fresh on entry, then on the events that change it.
  detail.invalidate();
  let drawn = false;
  detail.get().then(() => {
    if (signal.aborted) return; // left before the answer came
    detail.subscribe((value) => {
      context.value = value;
      updateHeader(value);
      for (const tab of tabs.values()) tab.onDetail?.(value);
      if (!drawn) { drawn = true; markDrawn("agents"); }
    }, signal);
    // An unknown or inapplicable tab in the URL falls back to the overview (and the URL says so).
    select(initialTab || "overview", { updateHash: Boolean(initialTab) && !tabIds.includes(initialTab) });
  }, (error) => {
    if (signal.aborted) return;
    if (error instanceof ApiError && error.status === 404) {
      replace(root, h("h1", null, name), h("p", { class: "empty" }, `There is no agent named “${name}”. `,
        h("a", { href: "#/agents" }, "All agents")));
      markDrawn("agents");
    } else {
      showError(error);
    }
  });

  live.subscribe((events) => {
    let refetch = false;
    const mine = [];
    for (const event of events) {
      if (event.agent === name) {
        mine.push(event);
        if (!SELF_QUIET.has(event.type)) refetch = true;
      } else if (ORG_EVENTS.has(event.type)) {
        refetch = true;
      }
    }
    if (refetch) detail.invalidate();
    if (mine.length === 0) return;
    for (const [id, tab] of tabs) {
      if (!tab.onEvents) continue;
      const wants = tab.onEvents(mine);
      if (wants && id !== context.tab) tab.stale = true; // refreshed when shown again
      else if (wants) tab.refresh();
    }
  }, { signal });
}

/**
 * The inspector's header: name, title, state, the pause / resume button and a few facts. Built once
 * and updated in place, so a refresh never takes a click or the keyboard focus away.
 */
function makeHeader(header, context) {
  const { name, isHuman } = context;
  const subtitle = h("span", { class: "muted agent-subtitle" });
  const state = h("span", { "data-agent-state": "" });
  const issues = h("span");
  const toggle = isHuman ? null : h("button", { type: "button", "data-action": "pause-agent", onclick: () => {
    const paused = toggle.dataset.action === "resume-agent";
    const action = paused ? "resume" : "pause";
    act(toggle, () => api.post(`/api/agents/${enc(name)}/${action}`), (answer) => {
      context.detail.invalidate();
      const queued = answer && answer.status === "queued";
      return `${name} ${paused ? "resumed" : "paused"}${queued ? " (queued for the running engine)" : ""}`;
    });
  } }, "Pause agent");
  const topUp = isHuman ? null : h("a", { class: "button", href: "#/credits", hidden: true }, "Top up");
  const facts = h("div", { class: "agent-facts muted small" });
  replace(header,
    h("div", { class: "agent-title" }, h("h1", null, name, subtitle), state, issues, h("span", { class: "spacer" }),
      toggle, topUp),
    isHuman ? null : facts);

  return (value) => {
    subtitle.textContent = value.title ? ` · ${value.title}` : "";
    state.dataset.agentState = value.state;
    replace(state, pill(value.state));
    const errors = (value.errors || []).filter((issue) => issue.severity !== "warning").length;
    replace(issues, errors ? pill(plural(errors, "resume issue"), "bad") : null);
    if (isHuman) return;
    const runtime = value.runtime || {};
    const paused = !!runtime.paused || value.state === "paused";
    toggle.dataset.action = paused ? "resume-agent" : "pause-agent";
    toggle.textContent = paused ? "Resume agent" : "Pause agent";
    topUp.hidden = value.state !== "budget_exhausted";
    replace(facts,
      h("span", null, "balance ", h("strong", { class: "num" }, formatCredits(value.balance))),
      h("span", null, "model ", h("strong", { class: "mono" }, value.model || "—")),
      h("span", null, "next fire ", h("strong", null, value.next_fire_tick ?? "—")),
      runtime.paused && runtime.pause_reason ? h("span", null, "paused: ", runtime.pause_reason) : null);
  };
}

// MARK: - Overview

/** The rows of the resume card: which fields each shows (issues on these paths go next to it). */
const RESUME_ROWS = [
  { label: "Title", paths: ["title", "name"], value: (r) => r.title },
  { label: "Short description", paths: ["short_description"], value: (r) => r.short_description },
  { label: "Workflow", paths: ["workflow_description"], value: (r) => r.workflow_description },
  { label: "Instructions", paths: ["instructions"],
    value: (r) => (r.instructions ? h("div", { class: "prose" }, r.instructions) : null) },
  { label: "Model", paths: ["model"], value: (r) => (r.model ? [h("span", { class: "mono" }, r.model.key ?? "—"),
    ` · temperature ${r.model.temperature ?? "—"} · max tokens ${r.model.max_tokens ?? "—"}`] : null) },
  { label: "Schedule", paths: ["schedule"], value: (r) => (r.schedule
    ? `every ${plural(r.schedule.run_every_n_ticks, "tick")}, phase offset ${r.schedule.phase_offset ?? 0}` : null) },
  { label: "Reads", paths: ["permissions.read_outboxes"],
    value: (r) => linkList(r.permissions?.read_outboxes, "nobody") },
  { label: "Tools", paths: ["permissions.tools"], value: (r) => (r.permissions?.tools?.length
    ? h("ul", { class: "name-list" }, r.permissions.tools.map((tool) => h("li", { class: "mono" }, tool)))
    : h("span", { class: "muted" }, "none")) },
  { label: "Creates agents", paths: ["permissions.create_agents", "permissions"],
    value: (r) => (r.permissions?.create_agents ? "yes" : "no") },
  { label: "Credits", paths: ["credits"], value: (r) => (r.credits
    ? `max ${formatCredits(r.credits.max_credits)} · soft cap ${formatCredits(r.credits.soft_cap)}` : null) },
];

function matchesPath(field, path) {
  return field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
}

function issueLine(issue) {
  return h("li", { class: `issue ${issue.severity === "warning" ? "warn" : "bad"}` },
    issue.field ? h("code", null, issue.field) : null, issue.field ? ": " : null, issue.message);
}

function overviewTab(panel, context) {
  const { isHuman } = context;
  // Each card is redrawn only when what it shows changed: a tick does not take a click or the
  // focus away from the cards it did not change.
  const part = (cls) => h("div", { class: cls });
  const parts = isHuman
    ? { reads: part("card-body"), readBy: part("card-body"), operator: part("card-body") }
    : { reads: part("card-body"), credits: part("card-body"), runtime: part("card-body"), resume: part("card-body"),
      recent: part("card-body") };
  if (isHuman) {
    panel.append(h("div", { class: "agent-cards" },
      card("Reads", h("p", { class: "muted small" }, "The human reads every agent's outbox."), parts.reads),
      card("Read by", parts.readBy),
      card("The operator",
        h("p", null, "“human” is you: it has no resume, schedule, credits or memory. What you send is in its ",
          h("button", { type: "button", class: "linkish", onclick: () => context.select("outbox") }, "outbox"),
          "; the desk shows what agents address to you."),
        parts.operator,
        h("p", null, h("a", { href: "#/desk" }, "Open the desk →")))));
  } else {
    panel.append(h("div", { class: "agent-cards" },
      card("Reads and read by", parts.reads),
      card("Credits", parts.credits,
        h("p", null, h("a", { href: "#/credits", "data-action": "top-up-link" }, "Top up in Credits →"))),
      card("Runtime", parts.runtime),
      h("section", { class: "panel agent-card resume-card" },
        h("div", { class: "card-head" }, h("h2", null, "Resume"),
          h("button", { type: "button", onclick: () => context.select("resume") }, "Edit")),
        parts.resume),
      h("section", { class: "panel agent-card recent-card" },
        h("div", { class: "card-head" }, h("h2", null, "Recent turns"),
          h("button", { type: "button", onclick: () => context.select("turns") }, "All turns")),
        parts.recent)));
  }

  return {
    onDetail(value) {
      if (isHuman) {
        const human = resources.status().value?.human;
        redraw(parts.reads, value.reads, () => linkList(value.reads, "no agents yet"));
        redraw(parts.readBy, value.read_by, () => linkList(value.read_by, "nobody reads the human yet"));
        redraw(parts.operator, human?.entries, () =>
          (human ? definitions([["Entries sent", formatCount(human.entries)]]) : null));
        return;
      }
      const credits = value.credits || {};
      const runtime = value.runtime || {};
      const recent = value.turns || [];
      redraw(parts.reads, [value.reads, value.read_by], () => definitions([
        ["Reads", linkList(value.reads, "nobody")],
        ["Read by", linkList(value.read_by, "nobody reads this agent")],
      ]));
      redraw(parts.credits, [credits, value.balance], () => definitions([
        ["Balance", h("strong", null, formatCredits(credits.balance ?? value.balance))],
        ["Spent", formatCredits(credits.spent)],
        ["Reserved", formatCredits(credits.reserved)],
        ["Tokens", credits.tokens_in !== undefined
          ? `${formatCount(credits.tokens_in)} in · ${formatCount(credits.tokens_out)} out` : null],
        ["Turns", credits.turns !== undefined ? formatCount(credits.turns) : null],
        credits.soft_cap_warned ? ["Soft cap", pill("warned", "warn")] : null,
      ]));
      redraw(parts.runtime, [runtime.paused, runtime.pause_reason, runtime.last_tick, runtime.last_stop_reason,
        (runtime.pending_tool_results || []).length, runtime.undeliverable_entries, runtime.loop?.streak], () =>
        definitions([
          ["Paused", runtime.paused ? pill(runtime.pause_reason || "operator", "warn") : "no"],
          ["Last turn", runtime.last_tick !== null && runtime.last_tick !== undefined ? `tick ${runtime.last_tick}` : "never"],
          ["Last stop", runtime.last_stop_reason ? pill(runtime.last_stop_reason) : null],
          ["Tool results due", formatCount((runtime.pending_tool_results || []).length)],
          ["Undeliverable", formatCount(runtime.undeliverable_entries ?? 0)],
          runtime.loop ? ["Loop streak", formatCount(runtime.loop.streak)] : null,
        ]));
      redraw(parts.resume, [value.resume, value.errors], () => resumeFacts(value));
      redraw(parts.recent, recent, () => (recent.length === 0 ? h("p", { class: "muted" }, "No turn yet.")
        : h("table", { class: "compact" },
          h("thead", null, h("tr", null, ["Tick", "Stop", "Entries", "Cost", "Notes"].map((label, index) =>
            h("th", { class: index === 2 || index === 3 ? "num" : null, scope: "col" }, label)))),
          h("tbody", null, recent.map((turn) => h("tr", { "data-tick": turn.tick },
            h("td", null, h("button", { type: "button", class: "linkish",
              onclick: () => context.select("turns").open?.(turn.tick) }, `tick ${turn.tick}`)),
            h("td", null, pill(turn.stop_reason), turn.violations ? [" ", pill(plural(turn.violations,
              "violation"), "warn")] : null),
            h("td", { class: "num" }, formatCount(turn.entries)),
            h("td", { class: "num" }, formatCredits(turn.cost)),
            h("td", { class: "wrap" }, turn.error ? h("span", { class: "error" }, turn.error) : turn.notes || "—")))))));
    },
  };
}

/** The resume as facts, each validation issue next to the field it is about. */
function resumeFacts(value) {
  const resume = value.resume || null;
  const issues = value.errors || [];
  const placed = new Set();
  const rows = RESUME_ROWS.map((row) => {
    const mine = issues.filter((issue) => !placed.has(issue) && row.paths.some((p) => matchesPath(issue.field, p)));
    for (const issue of mine) placed.add(issue);
    const shown = resume ? row.value(resume) : null;
    return [
      h("dt", null, row.label),
      h("dd", { class: mine.length ? "has-issues" : null, "data-field": row.paths[0] },
        shown === null || shown === undefined || shown === "" ? h("span", { class: "muted" }, "—") : shown,
        mine.length ? h("ul", { class: "issues" }, mine.map(issueLine)) : null),
    ];
  });
  const loose = issues.filter((issue) => !placed.has(issue));
  return [
    issues.length ? h("p", { class: "issue-summary error", role: "status" },
      `The resume has ${plural(issues.length, "issue")}` +
      (resume ? "." : ": the file does not validate, so the engine does not run this agent.")) : null,
    loose.length ? h("ul", { class: "issues" }, loose.map(issueLine)) : null,
    h("dl", { class: "facts resume-facts" }, rows),
  ];
}

// MARK: - Turns

/**
 * A message's content split at its markdown headings ("# …", "## …"), outside code fences. A
 * heading shallower than the message's first one (a "# " line quoted inside a "##" section, as an
 * inbox entry may hold) does not split: it is part of the section that quotes it.
 */
export function promptSections(content) {
  const sections = [];
  let current = { title: null, level: 0, lines: [] };
  let fence = false;
  let top = null;
  for (const line of String(content ?? "").split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    let heading = fence ? null : /^(#{1,2})\s+(.+?)\s*$/.exec(line);
    if (heading && top !== null && heading[1].length < top) heading = null;
    if (heading) {
      if (top === null) top = heading[1].length;
      if (current.title !== null || current.lines.some((text) => text.trim() !== "")) sections.push(current);
      current = { title: heading[2], level: heading[1].length, lines: [line] };
    } else {
      current.lines.push(line);
    }
  }
  if (current.title !== null || current.lines.some((text) => text.trim() !== "")) sections.push(current);
  return sections.map((section) => {
    const text = section.lines.join("\n");
    return { title: section.title, level: section.level, text, size: chars(text) };
  });
}

function turnsTab(panel, context) {
  const { name } = context;
  const list = h("div", { class: "turn-list" });
  const note = h("p", { class: "muted small", role: "status" });
  const more = moreButton("Load older turns", (button) => load(button));
  panel.append(h("div", { class: "panel-head" }, h("h2", null, "Turns"), note), list, more);
  const shown = new Map(); // tick → <details>
  let next = null;
  let pendingOpen = null;

  function updateNote() {
    note.textContent = shown.size ? `newest first · ${plural(shown.size, "turn")} loaded` : "";
    more.hidden = next === null;
  }

  async function load(button) {
    const answer = await act(button, () => api.get(`/api/agents/${enc(name)}/turns`,
      { limit: TURN_PAGE, before_tick: next }));
    if (!answer) return;
    for (const turn of answer.turns || []) {
      if (shown.has(turn.tick)) continue;
      const element = turnElement(turn);
      shown.set(turn.tick, element);
      list.append(element);
    }
    next = answer.next_before_tick ?? null;
    if (shown.size === 0) replace(list, h("p", { class: "empty" }, "This agent has not had a turn yet."));
    updateNote();
  }

  const refresh = coalesce(async () => {
    let answer;
    try {
      answer = await api.get(`/api/agents/${enc(name)}/turns`, { limit: TURN_PAGE });
    } catch (error) { showError(error); return; }
    const page = answer.turns || [];
    const fresh = page.filter((turn) => !shown.has(turn.tick));
    // A whole page of new turns may leave a hole above what is shown: start again from the top.
    if (shown.size > 0 && fresh.length === page.length && answer.next_before_tick !== null) {
      shown.clear();
      pendingOpen = null;
    }
    if (shown.size === 0) { list.replaceChildren(); next = answer.next_before_tick ?? null; }
    // Newest first: insert the new ones, oldest of them last, above what is shown.
    const anchor = list.firstChild;
    for (const turn of fresh) {
      const element = turnElement(turn);
      shown.set(turn.tick, element);
      list.insertBefore(element, anchor);
    }
    if (shown.size === 0) replace(list, h("p", { class: "empty" }, "This agent has not had a turn yet."));
    // Bounded: drop the oldest turns, and page them back with "Load older".
    while (shown.size > TURN_CAP) {
      const oldest = Math.min(...shown.keys());
      shown.get(oldest).remove();
      shown.delete(oldest);
      next = oldest;
    }
    if (pendingOpen !== null) openTurn(pendingOpen);
    updateNote();
  });

  function openTurn(tick) {
    const element = shown.get(tick);
    if (!element) { pendingOpen = tick; return; }
    pendingOpen = null;
    element.open = true;
    element.scrollIntoView({ block: "start" });
    element.querySelector("summary").focus({ preventScroll: true });
  }

  refresh();
  return {
    refresh,
    open: openTurn,
    onEvents: (events) => events.some((event) => event.type === "turn_finished" || event.type === "turn_failed"),
  };
}

function turnElement(turn) {
  const usage = turn.usage || {};
  const duration = turn.duration_ms || {};
  const violations = turn.violations || [];
  const entries = turn.entries || [];
  const element = h("details", { class: "turn", "data-tick": turn.tick },
    h("summary", null,
      h("strong", { class: "turn-tick" }, `tick ${turn.tick}`),
      pill(turn.stop_reason),
      h("span", { class: "turn-fact" }, `${formatCount(usage.input_tokens)} in / ${formatCount(usage.output_tokens)} out`,
        usage.estimated ? h("span", { class: "muted", title: "estimated by the engine" }, " ≈") : null),
      h("span", { class: "turn-fact" }, `${formatCredits(turn.cost)} cr`),
      h("span", { class: "turn-fact" }, formatDuration(duration.total)),
      h("span", { class: "turn-fact mono" }, turn.model?.key || "—"),
      entries.length ? h("span", { class: "turn-fact" }, plural(entries.length, "entry", "entries")) : null,
      violations.length ? pill(plural(violations.length, "violation"), "warn") : null,
      turn.error ? pill("error", "bad") : null,
      turn.parsed?.notes ? h("span", { class: "turn-notes muted" }, turn.parsed.notes) : null));
  element.addEventListener("toggle", () => {
    if (element.open && !element.dataset.filled) {
      element.dataset.filled = "1";
      element.append(turnBody(turn));
    }
  });
  return element;
}

function subsection(title, count, content, { open = false, cls } = {}) {
  return h("details", { class: ["turn-part", cls], open: open || null },
    h("summary", null, h("h3", null, title), count !== null && count !== undefined
      ? h("span", { class: "muted small" }, count) : null),
    h("div", { class: "turn-part-body" }, content));
}

function turnBody(turn) {
  const usage = turn.usage || {};
  const duration = turn.duration_ms || {};
  const model = turn.model || {};
  const reply = turn.reply;
  const parsed = turn.parsed;
  const request = turn.request || {};
  const messages = request.messages || [];
  const toolResults = turn.tool_results || [];
  const violations = turn.violations || [];
  const inbox = turn.inbox || [];
  const entries = turn.entries || [];

  const facts = definitions([
    ["Started", formatTime(turn.started_at)],
    ["Stop reason", pill(turn.stop_reason)],
    ["Model", [h("span", { class: "mono" }, model.key || "—"),
      model.provider ? ` → ${model.provider}${model.model ? ` / ${model.model}` : ""}` : "",
      model.served_by ? ` (served by ${model.served_by})` : ""]],
    ["Tokens", `${formatCount(usage.input_tokens)} in · ${formatCount(usage.output_tokens)} out` +
      (usage.estimated ? " (estimated)" : "")],
    ["Cost", `${formatCredits(turn.cost)} credits` +
      (turn.reserved !== undefined ? ` (${formatCredits(turn.reserved)} reserved)` : "")],
    ["Duration", `${formatDuration(duration.total)} total · ${formatDuration(duration.provider)} provider`],
    ["Request", `temperature ${request.temperature ?? "—"} · max tokens ${request.max_tokens ?? "—"}`],
    reply ? ["Finish", `${reply.finish || "—"}${reply.finish_reason ? ` (${reply.finish_reason})` : ""}`] : null,
    turn.error ? ["Error", h("span", { class: "error" }, turn.error)] : null,
  ]);

  return h("div", { class: "turn-body" },
    facts,
    subsection("Prompt", promptSummary(messages), promptView(messages, usage.input_tokens), { open: true }),
    subsection("Raw reply", reply ? `${formatCount(chars(reply.text || ""))} chars` : "none", replyView(reply)),
    subsection("Parsed result", parsed ? parsedSummary(parsed) : "not parsed", parsedView(parsed)),
    subsection("Contract violations", violations.length || "none", violations.length === 0
      ? h("p", { class: "muted" }, "None.")
      : h("ul", { class: "issues" }, violations.map((violation) => h("li", { class: "issue warn" },
        h("code", null, violation.code), violation.field ? [" ", h("code", null, violation.field)] : null,
        ": ", violation.message))), { open: violations.length > 0 }),
    subsection("Tool calls and results", `${parsed?.tool_calls?.length ?? 0} calls · ${toolResults.length} results`,
      toolView(parsed?.tool_calls || [], toolResults), { open: toolResults.length > 0 }),
    subsection("Inbox it saw", inbox.length || "empty", inbox.length === 0 ? h("p", { class: "muted" }, "Nothing new.")
      : h("ul", { class: "name-list" }, inbox.map((id) => h("li", null, messageLink(id))))),
    subsection("Entries it wrote", entries.length || "none", entries.length === 0
      ? h("p", { class: "muted" }, "None.")
      : h("ul", { class: "name-list" }, entries.map((id) => h("li", null, messageLink(id)))),
    { open: entries.length > 0 }));
}

function promptSummary(messages) {
  const total = messages.reduce((sum, message) => sum + chars(message.content || ""), 0);
  return `${plural(messages.length, "message")} · ${formatCount(total)} chars`;
}

function promptView(messages, inputTokens) {
  const total = messages.reduce((sum, message) => sum + chars(message.content || ""), 0);
  // Tokens per character of this very prompt: each section's share of the turn's input tokens.
  const ratio = total > 0 && inputTokens ? inputTokens / total : null;
  const estimate = (size) => (ratio === null ? "" : ` · ≈ ${formatCount(Math.round(size * ratio))} tokens`);
  if (messages.length === 0) return h("p", { class: "muted" }, "No prompt recorded.");
  return h("div", { class: "prompt" },
    ratio !== null ? h("p", { class: "muted small" },
      "Token figures share this turn's input tokens by characters; the bar is the part's share of the prompt.")
      : null,
    messages.map((message, index) => {
      const content = message.content || "";
      const size = chars(content);
      const sections = promptSections(content);
      return h("section", { class: "prompt-message", "data-role": message.role },
        h("h4", null, h("span", { class: `role role-${message.role}` }, message.role),
          h("span", { class: "muted small" }, ` message ${index + 1} · ${formatCount(size)} chars${estimate(size)}`)),
        sections.map((section) => promptSection(section, total, estimate)));
    }));
}

function promptSection(section, total, estimate) {
  const share = total > 0 ? (section.size / total) * 100 : 0;
  const bar = h("span", { class: "size-bar", "aria-hidden": "true" }, h("span", { class: "size-fill" }));
  bar.firstChild.style.width = `${Math.max(share, 0.5).toFixed(1)}%`;
  const body = h("pre", { class: "prompt-text" });
  const element = h("details", { class: `prompt-section level-${section.level}`, "data-section": section.title || "" },
    h("summary", null,
      h("span", { class: "section-title" }, section.title ?? "(before the first heading)"),
      h("span", { class: "section-size muted small" },
        `${formatCount(section.size)} chars${estimate(section.size)} · ${share.toFixed(1)}%`),
      bar),
    body);
  element.addEventListener("toggle", () => {
    if (element.open && !body.firstChild) body.textContent = section.text;
  });
  return element;
}

function replyView(reply) {
  if (!reply) return h("p", { class: "muted" }, "No reply (the provider was not reached or failed).");
  return h("div", null,
    h("pre", { class: "reply-text" }, reply.text || ""),
    reply.text_bytes ? h("p", { class: "muted small" },
      `The reply had ${formatCount(reply.text_bytes)} bytes; the record keeps the first part.`) : null,
    reply.reasoning ? [h("h4", null, "Reasoning"), h("pre", null, reply.reasoning)] : null,
    reply.refusal ? [h("h4", null, "Refusal"), h("pre", { class: "error" }, reply.refusal)] : null);
}

function parsedSummary(parsed) {
  return [
    plural((parsed.outbox_entries || []).length, "entry", "entries"),
    plural((parsed.tool_calls || []).length, "tool call"),
    plural((parsed.memory_updates || []).length, "memory update"),
  ].join(" · ");
}

function parsedView(parsed) {
  if (!parsed) return h("p", { class: "muted" }, "The reply could not be parsed; see the violations.");
  const part = (title, items) => h("div", { class: "parsed-part" },
    h("h4", null, `${title} (${(items || []).length})`),
    items && items.length ? h("pre", { class: "json" }, pretty(items)) : h("p", { class: "muted small" }, "none"));
  return h("div", null,
    h("h4", null, "Notes"),
    parsed.notes ? h("p", { class: "prose" }, parsed.notes) : h("p", { class: "muted small" }, "none"),
    part("Outbox entries", parsed.outbox_entries),
    part("Tool calls", parsed.tool_calls),
    part("Memory updates", parsed.memory_updates));
}

function toolResult(result) {
  return [
    h("div", { class: "row" }, h("code", null, result.tool), pill(result.success ? "ok" : "failed",
      result.success ? "ok" : "bad"), result.truncated ? pill("truncated", "warn") : null),
    result.output ? h("pre", null, result.output) : null,
    result.error ? h("pre", { class: "error" }, result.error) : null,
  ];
}

function toolView(calls, results) {
  if (calls.length === 0 && results.length === 0) return h("p", { class: "muted" }, "No tool call.");
  // Each call with its result when they line up (a call waiting for approval has none yet).
  if (calls.length === results.length && calls.every((call, index) => call.tool === results[index].tool)) {
    return h("ol", { class: "tool-calls paired" }, calls.map((call, index) => h("li", null,
      h("h4", null, "Call"), h("pre", { class: "json" }, pretty({ tool: call.tool, args: call.args ?? {} })),
      h("h4", null, "Result"), toolResult(results[index]))));
  }
  return h("div", null,
    calls.length ? [h("h4", null, "Calls"), h("ol", { class: "tool-calls" }, calls.map((call) =>
      h("li", null, h("code", null, call.tool ?? "?"), h("pre", { class: "json" }, pretty(call.args ?? {})))))] : null,
    results.length ? [h("h4", null, "Results"), h("ol", { class: "tool-results" }, results.map((result) =>
      h("li", null, toolResult(result))))] : null);
}

// MARK: - Outbox, memory, logs

function outboxTab(panel, context) {
  const { name } = context;
  const tbody = h("tbody");
  const note = h("p", { class: "muted small", role: "status" });
  const more = moreButton("Load older entries", (button) => load(button));
  panel.append(
    h("div", { class: "panel-head" }, h("h2", null, "Outbox"), note),
    h("div", { class: "table-wrap" }, h("table", { class: "outbox-table" },
      h("thead", null, h("tr", null, ["Tick", "Entry", "Kind", "To", "Text"].map((label, index) =>
        h("th", { scope: "col", class: index === 0 ? "num" : null }, label)))), tbody)),
    more);
  const rows = new Map();
  let next = null;

  const update = () => {
    note.textContent = rows.size ? `newest first · ${plural(rows.size, "entry", "entries")} loaded` : "";
    if (rows.size === 0) replace(tbody, h("tr", null, h("td", { colspan: 5, class: "empty" }, "No entry yet.")));
    more.hidden = next === null;
  };

  async function load(button) {
    const answer = await act(button, () => api.get(`/api/agents/${enc(name)}/outbox`, { limit: PAGE, before: next }));
    if (!answer) return;
    if (rows.size === 0) tbody.replaceChildren();
    for (const entry of answer.messages || []) {
      if (rows.has(entry.id)) continue;
      const row = outboxRow(entry);
      rows.set(entry.id, row);
      tbody.append(row);
    }
    next = answer.next_cursor ?? null;
    update();
  }

  const refresh = coalesce(async () => {
    let answer;
    try {
      answer = await api.get(`/api/agents/${enc(name)}/outbox`, { limit: PAGE });
    } catch (error) { showError(error); return; }
    const page = answer.messages || [];
    // A whole page of new entries may leave a hole above what is shown: start again from the top.
    if (rows.size > 0 && answer.next_cursor && page.every((entry) => !rows.has(entry.id))) rows.clear();
    if (rows.size === 0) { tbody.replaceChildren(); next = answer.next_cursor ?? null; }
    const anchor = tbody.firstChild;
    for (const entry of page) {
      if (rows.has(entry.id)) continue;
      const row = outboxRow(entry);
      rows.set(entry.id, row);
      tbody.insertBefore(row, anchor);
    }
    while (rows.size > LIST_CAP) {
      const last = tbody.lastElementChild;
      rows.delete(last.dataset.entryId);
      last.remove();
      next = last.dataset.entryId;
    }
    update();
  });

  refresh();
  return { refresh, onEvents: (events) => events.some((event) => event.type === "entry_written") };
}

function outboxRow(entry) {
  const text = payloadText(entry.payload) || "";
  const long = text.length > 400;
  const cell = h("div", { class: "entry-text" }, long ? `${text.slice(0, 400)}…` : text);
  let expanded = false;
  const toggle = long ? h("button", { type: "button", class: "linkish small", "aria-expanded": "false",
    onclick: () => {
      expanded = !expanded;
      cell.textContent = expanded ? text : `${text.slice(0, 400)}…`;
      toggle.textContent = expanded ? "less" : "more";
      toggle.setAttribute("aria-expanded", String(expanded));
    } }, "more") : null;
  return h("tr", { "data-entry-id": entry.id },
    h("td", { class: "num" }, entry.tick),
    h("td", null, messageLink(entry.id),
      entry.reply_to ? h("div", { class: "muted small" }, "re ", messageLink(entry.reply_to)) : null),
    h("td", null, entry.kind, entry.priority && entry.priority !== "normal"
      ? [" ", pill(entry.priority, entry.priority === "urgent" ? "warn" : "muted")] : null),
    h("td", { class: "wrap" }, entry.recipients ? entry.recipients.join(", ") : h("span", { class: "muted" }, "all readers")),
    h("td", { class: "wrap" }, cell, toggle));
}

function memoryTab(panel, context) {
  const { name } = context;
  const tbody = h("tbody");
  const note = h("p", { class: "muted small", role: "status" });
  panel.append(
    h("div", { class: "panel-head" }, h("h2", null, "Memory"), note),
    h("div", { class: "table-wrap" }, h("table", { class: "memory-table" },
      h("thead", null, h("tr", null, ["Key", "Value", "Updated", "Op"].map((label) => h("th", { scope: "col" }, label)))),
      tbody)));

  const refresh = coalesce(async () => {
    let answer;
    try {
      answer = await api.get(`/api/agents/${enc(name)}/memory`);
    } catch (error) { showError(error); return; }
    const memory = answer.memory || [];
    note.textContent = memory.length ? `${plural(memory.length, "key")}, most recently updated first` : "";
    replace(tbody, memory.length === 0
      ? h("tr", null, h("td", { colspan: 4, class: "empty" }, "Nothing in memory yet."))
      : memory.map((item) => h("tr", { "data-memory-key": item.key },
        h("td", { class: "mono wrap" }, item.key),
        h("td", { class: "wrap" }, h("pre", { class: "json memory-value" }, pretty(item.value))),
        h("td", { class: "nowrap" }, `tick ${item.updated_tick ?? "—"}`,
          h("div", { class: "muted small" }, formatTime(item.updated_at))),
        h("td", null, item.op || "—"))));
  });

  refresh();
  return { refresh, onEvents: (events) => events.some((event) => event.type === "memory_updated") };
}

function logsTab(panel, context) {
  const { name } = context;
  const tbody = h("tbody");
  const note = h("p", { class: "muted small", role: "status" });
  const more = moreButton("Load older events", (button) => load(button));
  panel.append(
    h("div", { class: "panel-head" }, h("h2", null, "Logs"), note),
    h("div", { class: "table-wrap" }, h("table", { class: "logs-table" },
      h("thead", null, h("tr", null, ["Seq", "Tick", "Time", "Event", "Data"].map((label, index) =>
        h("th", { scope: "col", class: index < 2 ? "num" : null }, label)))), tbody)),
    more);
  const seen = new Set();
  let next = null;

  const update = () => {
    note.textContent = seen.size ? `newest first · ${plural(seen.size, "event")} shown` : "";
    if (seen.size === 0) replace(tbody, h("tr", null, h("td", { colspan: 5, class: "empty" }, "No event yet.")));
    more.hidden = next === null;
  };

  const add = (events, atTop) => {
    if (seen.size === 0) tbody.replaceChildren();
    const anchor = atTop ? tbody.firstChild : null;
    for (const event of events) {
      if (typeof event.seq !== "number" || seen.has(event.seq)) continue;
      seen.add(event.seq);
      tbody.insertBefore(logRow(event), anchor);
    }
    while (seen.size > LIST_CAP) {
      const last = tbody.lastElementChild;
      seen.delete(Number(last.dataset.seq));
      next = Number(last.dataset.seq);
      last.remove();
    }
    update();
  };

  async function load(button) {
    const answer = await act(button, () => api.get(`/api/agents/${enc(name)}/logs`, { limit: PAGE, before: next }));
    if (!answer) return;
    add(answer.events || [], false);
    next = answer.next_before ?? null;
    update();
  }

  load(null);
  return {
    // Live events carry everything a row shows: they are added as they come, newest on top.
    onEvents(events) {
      add([...events].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)), true);
      return false;
    },
  };
}

function logRow(event) {
  const kind = event.type === "turn_failed" || event.type === "resume_invalid" || event.type === "violation"
    ? "bad" : event.type === "budget_exhausted" || event.type === "loop_detected" ? "warn" : "muted";
  return h("tr", { "data-seq": event.seq },
    h("td", { class: "num" }, event.seq),
    h("td", { class: "num" }, event.tick ?? "—"),
    h("td", { class: "nowrap small" }, formatTime(event.time)),
    h("td", null, pill(event.type, kind)),
    h("td", { class: "wrap" }, eventData(event.data)));
}

function eventData(data) {
  const entries = Object.entries(data || {});
  if (entries.length === 0) return h("span", { class: "muted" }, "—");
  return h("span", { class: "event-data" }, entries.map(([key, value]) => h("span", { class: "datum" },
    h("span", { class: "muted" }, `${key} `), typeof value === "string" ? value : compact(value))));
}

// MARK: - Resume editor

const FIELDS = [
  { path: "title", label: "Title", kind: "text" },
  { path: "short_description", label: "Short description", kind: "text" },
  { path: "workflow_description", label: "Workflow description", kind: "textarea", rows: 3 },
  { path: "instructions", label: "Instructions", kind: "textarea", rows: 12 },
  { path: "model.key", label: "Model", kind: "model" },
  { path: "model.temperature", label: "Temperature", kind: "number" },
  { path: "model.max_tokens", label: "Max tokens", kind: "number" },
  { path: "schedule.run_every_n_ticks", label: "Run every N ticks", kind: "number" },
  { path: "schedule.phase_offset", label: "Phase offset", kind: "number" },
  { path: "credits.max_credits", label: "Max credits", kind: "number" },
  { path: "credits.soft_cap", label: "Soft cap", kind: "number" },
  { path: "permissions.create_agents", label: "May create agents", kind: "boolean" },
  { path: "permissions.read_outboxes", label: "Reads the outboxes of", kind: "agents" },
  { path: "permissions.tools", label: "May use the tools", kind: "tools" },
];

function getPath(object, path) {
  let value = object;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = value[key];
  }
  return value;
}

function setPath(object, path, value) {
  const keys = path.split(".");
  let target = object;
  for (const key of keys.slice(0, -1)) {
    if (target[key] === null || typeof target[key] !== "object" || Array.isArray(target[key])) target[key] = {};
    target = target[key];
  }
  target[keys[keys.length - 1]] = value;
}

function deletePath(object, path) {
  const keys = path.split(".");
  const parent = getPath(object, keys.slice(0, -1).join(".")) ?? (keys.length === 1 ? object : undefined);
  if (parent && typeof parent === "object") delete parent[keys[keys.length - 1]];
}

/** The field of the form an issue belongs to: its path, a part of it, or the object holding it. */
function fieldOf(issueField) {
  if (!issueField) return null;
  return FIELDS.find((field) => matchesPath(issueField, field.path))
    || FIELDS.find((field) => field.path.startsWith(`${issueField}.`))
    || null;
}

function numberValue(text) {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  // Anything that is not a plain number goes to the validator as typed: it says what is wrong.
  return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function resumeTab(panel, context) {
  const { name } = context;
  const issueBox = h("div", { class: "editor-issues", tabindex: "-1", role: "alert" });
  const notice = h("div", { class: "editor-notice" });
  const form = h("form", { class: "resume-form", "data-action": "save-resume", novalidate: true });
  const raw = h("textarea", { class: "raw-json", name: "raw", rows: 28, spellcheck: "false",
    "aria-label": "The whole resume as JSON" });
  const rawError = h("p", { class: "error small", role: "status" });
  const rawIssues = h("div", { class: "field-issues" });
  const rawPane = h("div", { class: "raw-pane", hidden: true }, raw, rawError, rawIssues);
  const formPane = h("div", { class: "form-pane" });
  const modeForm = h("button", { type: "button", role: "tab", "aria-selected": "true", "data-mode": "form",
    onclick: () => setMode("form") }, "Form");
  const modeRaw = h("button", { type: "button", role: "tab", "aria-selected": "false", "data-mode": "raw",
    onclick: () => setMode("raw") }, "Raw JSON");
  const dirtyNote = h("span", { class: "muted small", role: "status" });
  const save = h("button", { type: "submit", class: "primary", "data-action": "save" }, "Save resume");
  const revert = h("button", { type: "button", "data-action": "revert", onclick: () => load(disk) }, "Discard changes");
  form.append(
    h("div", { class: "tabs editor-modes", role: "tablist", "aria-label": "Editor mode" }, modeForm, modeRaw),
    formPane, rawPane,
    h("div", { class: "editor-actions" }, save, revert, dirtyNote));
  panel.append(
    h("div", { class: "panel-head" }, h("h2", null, "Resume editor"),
      h("p", { class: "muted small" }, "Saved through the resume validator: nothing is written unless it passes.")),
    notice, issueBox, form);

  let disk = null; // the resume on disk (as the API gave it)
  let working = null; // the document the form edits (fields the form lacks are kept from it)
  let mode = "form";
  let controls = new Map(); // path → { field, wrap, control, issues, read() }
  let reloadOnDetail = false;
  let diskText = "";
  let warnings = [];

  function body() {
    if (mode === "raw") return JSON.parse(raw.value);
    return fromForm();
  }

  function fromForm() {
    const document = structuredClone(working);
    for (const { field, read } of controls.values()) {
      const value = read();
      const before = getPath(working, field.path);
      if (value === undefined) { if (before !== undefined) deletePath(document, field.path); continue; }
      if (before === undefined && (value === "" || value === false)) continue; // not set before: keep it unset
      setPath(document, field.path, value);
    }
    return document;
  }

  function buildForm(document) {
    controls = new Map();
    const status = resources.status().value;
    const agents = ["*", ...new Set([...(status?.agents || []).map((agent) => agent.name), HUMAN])]
      .filter((agent) => agent !== name);
    const tools = (resources.tools().value?.tools || []).map((tool) => tool.name);
    const models = (resources.get("/api/models", { refreshOn: ["config_invalid"] }).value?.models || [])
      .map((model) => model.key);
    const groups = [
      ["Identity", ["title", "short_description", "workflow_description", "instructions"]],
      ["Model", ["model.key", "model.temperature", "model.max_tokens"]],
      ["Schedule and credits", ["schedule.run_every_n_ticks", "schedule.phase_offset", "credits.max_credits",
        "credits.soft_cap"]],
      ["Permissions", ["permissions.read_outboxes", "permissions.tools", "permissions.create_agents"]],
    ];
    replace(formPane, groups.map(([legend, paths]) => h("fieldset", { class: `group group-${paths.length}` },
      h("legend", null, legend),
      paths.map((path) => fieldControl(FIELDS.find((field) => field.path === path), document, { agents, tools, models })))));
  }

  function fieldControl(field, document, choices) {
    const id = `resume-${field.path.replace(/\W/g, "-")}`;
    const value = getPath(document, field.path);
    const issues = h("div", { class: "field-issues", id: `${id}-issues` });
    let control;
    let read;
    let wrap;
    if (field.kind === "text" || field.kind === "number") {
      control = h("input", { id, name: field.path, type: "text", autocomplete: "off",
        inputmode: field.kind === "number" ? "decimal" : null,
        value: value === undefined || value === null ? "" : typeof value === "object" ? compact(value) : String(value) });
      read = field.kind === "number" ? () => numberValue(control.value) : () => control.value;
    } else if (field.kind === "textarea") {
      control = h("textarea", { id, name: field.path, rows: field.rows });
      control.value = typeof value === "string" ? value : value === undefined ? "" : compact(value);
      read = () => control.value;
    } else if (field.kind === "model") {
      const keys = [...choices.models];
      const options = keys.map((key) => h("option", { value: key }, key));
      if (value !== undefined && value !== null && !keys.includes(String(value))) {
        options.unshift(h("option", { value: String(value) }, `${value} (not in the model registry)`));
      }
      if (value === undefined || value === null) options.unshift(h("option", { value: "" }, "— choose a model —"));
      control = h("select", { id, name: field.path }, options);
      control.value = value === undefined || value === null ? "" : String(value);
      read = () => control.value;
    } else if (field.kind === "boolean") {
      control = h("input", { id, name: field.path, type: "checkbox" });
      control.checked = value === true;
      read = () => control.checked;
    } else {
      // A checkbox list; names in the resume that are not known are kept (and shown).
      const current = Array.isArray(value) ? value.map(String) : [];
      const known = field.kind === "agents" ? choices.agents : choices.tools;
      const names = [...known, ...current.filter((item) => !known.includes(item))];
      const boxes = names.map((item) => {
        const box = h("input", { type: "checkbox", name: field.path, value: item });
        box.checked = current.includes(item);
        return h("label", { class: ["check", known.includes(item) ? null : "unknown"] }, box,
          h("span", { class: field.kind === "tools" || item === "*" ? "mono" : null }, item),
          item === "*" ? h("span", { class: "muted" }, " every agent") : null,
          known.includes(item) ? null : h("span", { class: "muted" }, " (unknown)"));
      });
      control = h("div", { class: "checks", id, role: "group", "aria-labelledby": `${id}-label` },
        boxes.length ? boxes : h("span", { class: "muted" }, "none available"));
      read = () => {
        const checked = [...control.querySelectorAll("input:checked")].map((box) => box.value);
        // Keep the resume's order, then the newly ticked ones.
        return [...current.filter((item) => checked.includes(item)), ...checked.filter((item) => !current.includes(item))];
      };
    }
    if (field.kind === "boolean") {
      wrap = h("div", { class: "field field-boolean", "data-field": field.path },
        h("label", { class: "check" }, control, h("span", null, field.label)), issues);
    } else if (field.kind === "agents" || field.kind === "tools") {
      wrap = h("div", { class: "field field-list", "data-field": field.path },
        h("span", { class: "field-label", id: `${id}-label` }, field.label,
          h("code", { class: "field-path" }, field.path)), control, issues);
    } else {
      wrap = h("div", { class: `field field-${field.kind}`, "data-field": field.path },
        h("label", { for: id, class: "field-label" }, field.label, h("code", { class: "field-path" }, field.path)),
        control, issues);
    }
    controls.set(field.path, { field, wrap, control, issues, read });
    return wrap;
  }

  function setMode(next) {
    if (next === mode) return;
    if (next === "raw") {
      raw.value = pretty(fromForm());
    } else {
      let parsed;
      try {
        parsed = JSON.parse(raw.value);
      } catch (error) {
        rawError.textContent = `Not valid JSON: ${error.message}`;
        raw.focus();
        return;
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
        rawError.textContent = "A resume is a JSON object.";
        return;
      }
      rawError.textContent = "";
      working = parsed;
      buildForm(working);
    }
    mode = next;
    modeForm.setAttribute("aria-selected", String(mode === "form"));
    modeRaw.setAttribute("aria-selected", String(mode === "raw"));
    formPane.hidden = mode !== "form";
    rawPane.hidden = mode !== "raw";
    showIssues(lastIssues.issues, lastIssues.heading);
    updateDirty();
  }

  let lastIssues = { issues: [], heading: null };

  function clearIssues() {
    for (const { control, issues } of controls.values()) {
      issues.replaceChildren();
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
      issues.parentElement?.classList.remove("invalid");
    }
    rawIssues.replaceChildren();
    issueBox.replaceChildren();
  }

  /** Shows each issue next to its field and all of them in a list at the top. */
  function showIssues(issues, heading) {
    lastIssues = { issues, heading };
    clearIssues();
    if (issues.length === 0) return;
    const errors = issues.filter((issue) => issue.severity !== "warning").length;
    const items = issues.map((issue) => {
      const field = mode === "form" ? fieldOf(issue.field) : null;
      const target = field ? controls.get(field.path) : null;
      const line = h("p", { class: `field-issue ${issue.severity === "warning" ? "warn" : "bad"}` },
        issue.field && (!target || issue.field !== target.field.path) ? [h("code", null, issue.field), ": "] : null,
        issue.message);
      if (target) {
        target.issues.append(line);
        if (issue.severity !== "warning") {
          target.control.setAttribute("aria-invalid", "true");
          target.wrap.classList.add("invalid");
        }
        target.control.setAttribute("aria-describedby", target.issues.id);
      } else if (mode === "raw") {
        rawIssues.append(line);
      }
      const label = issue.field || "(the whole resume)";
      return h("li", { class: `issue ${issue.severity === "warning" ? "warn" : "bad"}` },
        target ? h("button", { type: "button", class: "linkish", onclick: () => {
          const focusable = target.control.matches("input, select, textarea")
            ? target.control : target.control.querySelector("input");
          (focusable || target.wrap).focus();
        } }, h("code", null, label)) : h("code", null, label),
        ": ", issue.message);
    });
    replace(issueBox, h("div", { class: `issue-list ${errors ? "bad" : "warn"}` },
      h("strong", null, heading || (errors
        ? `Not saved: the validator found ${plural(errors, "error")}. Nothing on disk changed.`
        : `Saved with ${plural(issues.length, "warning")}.`)),
      h("ul", { class: "issues" }, items)));
  }

  function updateDirty() {
    let text;
    try { text = compact(body()); } catch { text = null; }
    const dirty = text !== diskText;
    dirtyNote.textContent = dirty ? "Unsaved changes." : "No changes.";
    form.dataset.dirty = String(dirty);
    return dirty;
  }

  function load(document) {
    working = structuredClone(document);
    buildForm(working);
    raw.value = pretty(working);
    rawError.textContent = "";
    notice.replaceChildren();
    showIssues([]);
    updateDirty();
  }

  form.addEventListener("input", () => updateDirty(), { signal: context.signal });
  form.addEventListener("change", () => updateDirty(), { signal: context.signal });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let document;
    try {
      document = body();
    } catch (error) {
      rawError.textContent = `Not valid JSON: ${error.message}`;
      raw.focus();
      return;
    }
    save.disabled = true;
    try {
      const answer = await api.put(`/api/agents/${enc(name)}/resume`, document);
      warnings = (answer && answer.warnings) || [];
      toast(warnings.length ? `Resume saved (${plural(warnings.length, "warning")})` : "Resume saved", "ok");
      disk = document;
      diskText = compact(document);
      reloadOnDetail = true;
      context.detail.invalidate();
      showIssues(warnings);
      updateDirty();
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        showIssues(error.details.map((issue) => ({ severity: issue.severity || "error", field: issue.field || "",
          message: issue.message || String(issue) })));
      } else if (error instanceof ApiError) {
        showIssues([{ severity: "error", field: error.field || "", message: error.message }],
          `Not saved (${error.status}). Nothing on disk changed.`);
      } else {
        showError(error);
      }
      issueBox.focus({ preventScroll: false });
    } finally {
      save.disabled = false;
    }
  }, { signal: context.signal });

  // The choices (models, tools, agents) are fetched once; the form is built when they are known.
  const ready = Promise.allSettled([
    resources.get("/api/models", { refreshOn: ["config_invalid"] }).get(),
    resources.tools().get(),
    resources.status().get(),
  ]);
  let started = false;

  return {
    onDetail(value) {
      ready.then(() => {
        const document = value.resume || null;
        if (!started || reloadOnDetail) {
          started = true;
          const saved = reloadOnDetail;
          reloadOnDetail = false;
          const initial = document || { name };
          disk = document;
          diskText = document ? compact(document) : "";
          load(initial);
          if (saved) showIssues(warnings);
          if (!document) {
            replace(notice, h("p", { class: "notice warn" },
              "The resume on disk does not validate, and the API gives only its issues, not the file: fill the ",
              "fields (or paste the whole resume under Raw JSON) and save to replace it."));
            showIssues(value.errors || [], "The resume on disk has these issues:");
          }
          return;
        }
        if (!document || compact(document) === diskText) return;
        // The file changed on disk while the form is open.
        if (!updateDirty()) { disk = document; diskText = compact(document); load(document); return; }
        replace(notice, h("p", { class: "notice warn" }, "The resume changed on disk since you started editing. ",
          h("button", { type: "button", onclick: () => { disk = document; diskText = compact(document); load(document); } },
            "Load it (drops your changes)")));
      });
    },
  };
}
