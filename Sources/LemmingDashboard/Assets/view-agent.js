// The agents view: `#/agents` lists every agent; `#/agents/<name>[/<tab>[/<item>]]` inspects one
// (the item, which the search links to: a turn's tick in `turns`, a key in `memory`). This file
// holds the list, the inspector's shell (header, tabs, live refetch) and the overview tab; the other
// tabs are in agent-turns.js (turns with their exact prompts), agent-tabs.js (outbox, memory, logs)
// and agent-resume-editor.js. Live: the list follows the shared status; the inspector refetches what
// an event about this agent changed, once per frame.
import {
  ApiError, HUMAN, act, agentLink, api, definitions, formatCount, formatCredits, h, live, markDrawn, pill, plural,
  redraw, replace, resources, showError,
} from "./core.js";
import { logsTab, memoryTab, outboxTab } from "./agent-tabs.js";
import { matchesPath, resumeTab } from "./agent-resume-editor.js";
import { turnsTab } from "./agent-turns.js";

const enc = encodeURIComponent;

export default {
  id: "agents",
  title: "Agents",
  mount(root, ctx) {
    const name = ctx.params[0];
    if (name) return mountInspector(root, name, ctx.params[1], ctx.params[2], ctx.signal);
    return mountList(root, ctx.signal);
  },
};

// MARK: - Small helpers

function card(title, ...children) {
  return h("section", { class: "panel agent-card" }, h("h2", null, title), children);
}

function linkList(names, empty) {
  if (!names || names.length === 0) return h("span", { class: "muted" }, empty);
  return h("ul", { class: "name-list" }, names.map((name) => h("li", null,
    name === "*" ? h("span", null, h("code", null, "*"), " every agent") : agentLink(name))));
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

function mountInspector(root, name, initialTab, initialItem, signal) {
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
    const tab = select(initialTab || "overview", { updateHash: Boolean(initialTab) && !tabIds.includes(initialTab) });
    if (initialItem !== undefined && context.tab === initialTab) tab.open?.(initialItem);
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
