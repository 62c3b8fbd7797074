// The agent inspector's outbox, memory and logs tabs: live lists, newest first, capped and paged
// back with "Load older".
import {
  act, api, coalesce, compact, entryLink, formatTime, h, moreButton, payloadText, pill, plural,
  pretty, replace, showError,
} from "./core.js";

const enc = encodeURIComponent;

/** How many rows a live list keeps (older ones are dropped; "Load older" pages them back in). */
const LIST_CAP = 500;
const PAGE = 50;

export function outboxTab(panel, context) {
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
    h("td", null, entryLink(entry.id),
      entry.reply_to ? h("div", { class: "muted small" }, "re ", entryLink(entry.reply_to)) : null),
    h("td", null, entry.kind, entry.priority && entry.priority !== "normal"
      ? [" ", pill(entry.priority, entry.priority === "urgent" ? "warn" : "muted")] : null),
    h("td", { class: "wrap" }, entry.recipients ? entry.recipients.join(", ") : h("span", { class: "muted" }, "all readers")),
    h("td", { class: "wrap" }, cell, toggle));
}

export function memoryTab(panel, context) {
  const { name } = context;
  const tbody = h("tbody");
  const note = h("p", { class: "muted small", role: "status" });
  panel.append(
    h("div", { class: "panel-head" }, h("h2", null, "Memory"), note),
    h("div", { class: "table-wrap" }, h("table", { class: "memory-table" },
      h("thead", null, h("tr", null, ["Key", "Value", "Updated", "Op"].map((label) => h("th", { scope: "col" }, label)))),
      tbody)));

  let target = null; // the key a link asked for (the search's memory results)
  let loaded = false;

  /** Marks and scrolls to the row of `target` once the keys are there. */
  function reveal() {
    if (target === null || !loaded) return;
    const row = tbody.querySelector(`tr[data-memory-key="${CSS.escape(target)}"]`);
    for (const other of tbody.querySelectorAll("tr.target")) other.classList.remove("target");
    if (row) {
      row.classList.add("target");
      row.scrollIntoView({ block: "center" });
    } else {
      note.textContent = `${name} has no key “${target}” any more.`;
    }
  }

  const refresh = coalesce(async () => {
    let answer;
    try {
      answer = await api.get(`/api/agents/${enc(name)}/memory`);
    } catch (error) { showError(error); return; }
    const memory = answer.memory || [];
    note.textContent = memory.length ? `${plural(memory.length, "key")}, most recently updated first` : "";
    replace(tbody, memory.length === 0
      ? h("tr", null, h("td", { colspan: 4, class: "empty" }, "Nothing in memory yet."))
      : memory.map((item) => h("tr", { "data-memory-key": item.key, class: item.key === target ? "target" : null },
        h("td", { class: "mono wrap" }, item.key),
        h("td", { class: "wrap" }, h("pre", { class: "json memory-value" }, pretty(item.value))),
        h("td", { class: "nowrap" }, `tick ${item.updated_tick ?? "—"}`,
          h("div", { class: "muted small" }, formatTime(item.updated_at))),
        h("td", null, item.op || "—"))));
    if (!loaded) { loaded = true; reveal(); }
  });

  refresh();
  return {
    refresh,
    open: (key) => { target = key; reveal(); },
    onEvents: (events) => events.some((event) => event.type === "memory_updated"),
  };
}

export function logsTab(panel, context) {
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
