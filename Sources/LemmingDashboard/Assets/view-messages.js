// The messages view: every outbox entry of the org, newest first, filtered, paged by cursor and
// live. Rows are capped (CAP) so memory stays bounded however long the page stays open; DOM work
// is done in small slices per animation frame so an engine ticking back to back never blocks the
// page. A side panel shows one entry in full with its reply_to chain and its replies.
//
// Route: #/messages or #/messages/<query>, where <query> is a URL query of the filters
// (agent, kind, recipient, thread, priority, from_tick, to_tick), the search (q, in, order: see
// messages-search.js; while a query is set the list shows its results instead of the live
// entries) and `entry` (the open entry), e.g. #/messages/agent=manager&kind=request&entry=00000003-manager-01
// or #/messages/q=login%20page&in=entries&agent=manager.
import { ApiError, api, agentLink, formatCount, formatTime, h, live, markDrawn, replace, resources, showError } from "./core.js";
import { MessageSearch, SEARCH_EVENTS, parseSearch, snippetNodes, writeSearch } from "./messages-search.js";

const PAGE = 100; // entries per page
const CAP = 1000; // rows kept in the DOM at most
const FRAME_BUDGET_MS = 8; // DOM work per animation frame
const MAX_LIMIT = 500; // the API's largest page
const ROWS_PER_SLICE = 20; // rows built between two looks at the clock
const ROWS_PER_FRAME = 150; // live rows added in one frame at most
const LIVE_INTERVAL_MS = 500; // live arrivals are drawn at most this often
const BACKLOG = 400; // undrawn arrivals past which the view skips ahead to the newest
const KINDS = ["message", "request", "response", "report", "status", "approval_request", "approval"];
const PRIORITIES = ["urgent", "normal", "low"];
const FILTERS = ["agent", "kind", "recipient", "thread", "priority", "from_tick", "to_tick"];

// MARK: - Entry ids and fetching (shared with the desk)

/** The parts of an entry id "00000003-manager-01": { tick, agent, seq }, or null. */
export function parseId(id) {
  const match = /^(\d+)-(.+)-(\d+)$/.exec(id || "");
  return match ? { tick: Number(match[1]), agent: match[2], seq: Number(match[3]) } : null;
}

/** Orders entry ids as the engine does (tick, author, sequence): < 0 when `a` is older. */
export function compareIds(a, b) {
  if (a === b) return 0;
  const x = parseId(a);
  const y = parseId(b);
  if (!x || !y) return a < b ? -1 : 1;
  if (x.tick !== y.tick) return x.tick - y.tick;
  if (x.agent !== y.agent) return x.agent < y.agent ? -1 : 1;
  return x.seq - y.seq;
}

const cache = new Map();
const CACHE_LIMIT = 2000;

/** Remembers entries by id (bounded: the oldest remembered go first). */
export function remember(entries) {
  for (const entry of entries) {
    cache.delete(entry.id);
    cache.set(entry.id, entry);
  }
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value);
}

/**
 * One entry by id, or null when there is none. The id names its author and tick, so this asks
 * for that author's entries of that tick only (cheap for the server: no content scan).
 */
export async function fetchEntry(id) {
  if (cache.has(id)) return cache.get(id);
  const parts = parseId(id);
  if (!parts) return null;
  let before;
  for (let page = 0; page < 4; page += 1) {
    const answer = await api.get("/api/messages", {
      agent: parts.agent, from_tick: parts.tick, to_tick: parts.tick, limit: MAX_LIMIT, before,
    });
    remember(answer.messages);
    const found = answer.messages.find((entry) => entry.id === id);
    if (found) return found;
    if (!answer.next_cursor) break;
    before = answer.next_cursor;
  }
  // Not in its outbox's pages: archived (or never written), which the entry's own route reads.
  try {
    const entry = await api.get(`/api/messages/${encodeURIComponent(id)}`);
    remember([entry]);
    return entry;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** Fetches the entries newer than `newest` (an id, or null for "the newest `count`"). */
export async function fetchNewer(query, newest, count) {
  const found = [];
  let before;
  let limit = Math.min(Math.max(count, 1), MAX_LIMIT);
  for (let page = 0; page < 6; page += 1) {
    const answer = await api.get("/api/messages", { ...query, limit, before });
    let reached = newest === null;
    for (const entry of answer.messages) {
      if (newest !== null && compareIds(entry.id, newest) <= 0) { reached = true; break; }
      found.push(entry);
    }
    if (reached || !answer.next_cursor) return { entries: found, complete: true };
    before = answer.next_cursor;
    limit = MAX_LIMIT;
  }
  return { entries: found, complete: false };
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });
let todayCheckedAt = 0;
let today = "";

/** An ISO time as the time of day (with the date when not today); one shared formatter. */
export function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || "—";
  const now = Date.now();
  if (now - todayCheckedAt > 60_000) { todayCheckedAt = now; today = new Date(now).toDateString(); }
  return date.toDateString() === today ? timeOfDay.format(date) : dayAndTime.format(date);
}

/** The text of an entry's payload for a row. */
export function entryText(entry) {
  const payload = entry.payload;
  if (payload && typeof payload.text === "string") return payload.text;
  if (payload === null || payload === undefined) return "";
  return JSON.stringify(payload);
}

/** A link to a participant: agents open the inspector, `human` opens the desk. */
export function participantLink(name) {
  if (name === "human") return h("a", { href: "#/desk", class: "agent-link human" }, "human");
  return agentLink(name);
}

/** The recipients of an entry as links ("everyone" when null: whoever reads the author). */
export function recipientsOf(entry) {
  if (!Array.isArray(entry.recipients)) return h("span", { class: "muted", title: "Everyone who reads the author" }, "everyone");
  if (entry.recipients.length === 0) return h("span", { class: "muted" }, "nobody");
  const parts = [];
  entry.recipients.forEach((name, index) => {
    if (index > 0) parts.push(", ");
    parts.push(participantLink(name));
  });
  return h("span", { class: "msg-recipients" }, parts);
}

/** The pill of a priority (urgent stands out, low is muted). */
export function priorityPill(priority) {
  const value = priority || "normal";
  const kind = value === "urgent" ? "bad" : value === "low" ? "muted" : "";
  return h("span", { class: `pill msg-priority ${kind} prio-${value}`, title: "priority" }, value);
}

/** The pill of a kind. */
export function kindPill(kind) {
  return h("span", { class: `pill msg-kind kind-${kind}`, title: "kind" }, kind);
}

// MARK: - The view

export default {
  id: "messages",
  title: "Messages",
  mount(root, ctx) {
    new MessagesView(root, ctx).start();
  },
};

function parseQuery(params) {
  const search = new URLSearchParams(params && params[0] ? params[0] : "");
  const filters = {};
  for (const key of FILTERS) {
    const value = (search.get(key) || "").trim();
    if (value) filters[key] = value;
  }
  return { filters, search: parseSearch(search), entry: search.get("entry") || null };
}

class MessagesView {
  constructor(root, ctx) {
    this.root = root;
    this.signal = ctx.signal;
    const { filters, search, entry } = parseQuery(ctx.params);
    this.filters = filters;
    this.initialSearch = search;
    this.selected = entry;
    this.rows = []; // { id, entry, el } newest first, as in the DOM
    this.ids = new Set();
    this.cursor = null; // `before` for the next older page
    this.olderDone = false;
    this.detached = false; // newer rows were dropped: the top is not the newest
    this.generation = 0; // bumps when the filters change: late answers are dropped
    this.pendingEvents = 0;
    this.fetchingNewer = false;
    this.loadingOlder = false;
    this.newCount = 0;
    this.scanLimited = false;
    this.prependQueue = []; // entries to add at the top, newest first
    this.appendQueue = []; // entries to add at the bottom, newest first
    this.framePending = false;
    this.drawn = false;
    this.threadGeneration = 0;
    this.lastLiveDraw = 0;
    this.trimEpoch = 0; // bumps when the oldest rows are dropped: an older page in flight is stale
    this.newestSeen = null; // the newest id the server gave (priority filtering may hide it)
  }

  start() {
    this.build();
    live.subscribe((events) => this.onEvents(events), { types: ["entry_written", ...SEARCH_EVENTS], signal: this.signal });
    resources.status().subscribe((status) => this.fillAgentLists(status), this.signal);
    if (this.search.active) {
      this.setSearching(true);
      // After the results: an entry only the search knows (archived) opens from its result.
      const searched = this.search.run();
      if (this.selected) searched.then(() => this.openEntry(this.selected, { focus: false }));
    } else {
      this.reload();
      if (this.selected) this.openEntry(this.selected, { focus: false });
    }
  }

  // MARK: layout

  build() {
    const f = this.filters;
    const field = (label, name, attrs) => h("label", { class: attrs.type === "number" ? "msg-tick-label" : null }, label,
      h("input", { name, value: f[name] || "", autocomplete: "off", spellcheck: "false", ...attrs }));
    this.form = h("form", { class: "msg-filters", "aria-label": "Filters", onsubmit: (event) => {
      event.preventDefault();
      this.applyForm();
    } },
    field("Author", "agent", { list: "msg-agents", placeholder: "any", title: "One author, or several separated by commas" }),
    field("Kind", "kind", { list: "msg-kinds", placeholder: "any" }),
    field("Recipient", "recipient", { list: "msg-recipients", placeholder: "any" }),
    field("Thread", "thread", { placeholder: "entry id" }),
    h("label", { class: "msg-priority-label" }, "Priority", h("select", { name: "priority", onchange: () => this.applyForm() },
      h("option", { value: "" }, "any"),
      PRIORITIES.map((p) => h("option", { value: p, selected: f.priority === p ? true : null }, p)))),
    field("From tick", "from_tick", { type: "number", min: 0, placeholder: "0" }),
    field("To tick", "to_tick", { type: "number", min: 0, placeholder: "last" }),
    h("span", { class: "msg-filter-actions" },
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("button", { type: "button", onclick: () => this.clearFilters() }, "Clear")),
    h("datalist", { id: "msg-agents" }),
    h("datalist", { id: "msg-recipients" }),
    h("datalist", { id: "msg-kinds" }, KINDS.map((kind) => h("option", { value: kind }))));
    this.filterError = h("p", { class: "error small msg-filter-error", role: "alert" });

    this.summary = h("p", { class: "muted small msg-summary", "aria-live": "polite" });
    this.search = new MessageSearch(this.initialSearch, {
      filters: () => this.query(),
      matches: (event) => this.matchesEvent(event),
      changed: () => this.searchChanged(),
      open: (id) => this.openEntry(id),
      selected: () => this.selected,
      drawn: () => this.markViewDrawn(),
      summary: (text) => { this.summary.textContent = text; },
    });
    this.searchSlot = h("div", { class: "msg-search", "data-slot": "search" }, this.search.element);
    this.newMarker = h("button", { type: "button", class: "msg-new", hidden: true,
      onclick: () => this.backToTop() });
    this.rowsEl = h("div", { class: "msg-rows", role: "feed", "aria-label": "Entries, newest first" });
    this.rowsEl.addEventListener("click", (event) => this.onRowClick(event));
    this.rowsEl.addEventListener("keydown", (event) => this.onRowKey(event));
    this.olderButton = h("button", { type: "button", onclick: () => this.loadOlder() }, "Load older");
    this.footer = h("div", { class: "msg-footer" }, this.olderButton, h("span", { class: "muted small msg-footer-text" }));
    this.list = h("div", { class: "msg-list", tabindex: "-1" }, this.newMarker, this.rowsEl, this.footer,
      this.search.resultsEl);
    this.list.addEventListener("scroll", () => this.onScroll(), { passive: true });
    this.panel = h("aside", { class: "msg-panel panel", "aria-label": "Entry and thread", hidden: true });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); this.closeEntry(); }
    });
    this.body = h("div", { class: "msg-body" }, this.list, this.panel);
    replace(this.root,
      h("div", { class: "msg-header" }, h("h1", null, "Messages"), this.searchSlot, this.summary),
      this.form, this.filterError, this.body);

  }

  fillAgentLists(status) {
    const names = (status.agents || []).map((agent) => agent.name);
    const key = names.join(",");
    if (key === this.agentKey) return;
    this.agentKey = key;
    replace(this.form.querySelector("#msg-agents"), ["human", ...names].map((name) => h("option", { value: name })));
    replace(this.form.querySelector("#msg-recipients"), ["human", ...names].map((name) => h("option", { value: name })));
  }

  // MARK: filters

  applyForm() {
    const data = new FormData(this.form);
    const filters = {};
    for (const key of FILTERS) {
      const value = String(data.get(key) || "").trim().replace(/\s*,\s*/g, ",").replace(/^,|,$/g, "");
      if (value) filters[key] = value;
    }
    const from = filters.from_tick === undefined ? null : Number(filters.from_tick);
    const to = filters.to_tick === undefined ? null : Number(filters.to_tick);
    if ((from !== null && !(from >= 0)) || (to !== null && !(to >= 0))) {
      this.filterError.textContent = "Ticks are whole numbers from 0.";
      return;
    }
    if (from !== null && to !== null && from > to) {
      this.filterError.textContent = "The first tick comes after the last one.";
      return;
    }
    this.filterError.textContent = "";
    this.filters = filters;
    this.updateURL();
    if (this.search.active) this.search.run(); else this.reload();
  }

  clearFilters() {
    for (const key of FILTERS) this.form.elements[key].value = "";
    this.applyForm();
  }

  /** Shows the thread of `id` in the list (the thread filter alone, no search). */
  filterThread(thread) {
    for (const key of FILTERS) this.form.elements[key].value = "";
    this.form.elements.thread.value = thread;
    if (this.search.active) {
      this.search.clear();
      this.setSearching(false);
    }
    this.applyForm();
  }

  /** The search was submitted or cleared: the URL follows, and the list shows its results or the live entries. */
  searchChanged() {
    this.updateURL();
    if (this.search.active) {
      this.stopFeed();
      this.setSearching(true);
      this.search.run();
    } else {
      this.setSearching(false);
      this.reload();
    }
  }

  /** Shows the search's results in the list (on) or the live entries (off). */
  setSearching(on) {
    this.root.classList.toggle("searching", on);
    this.rowsEl.hidden = on;
    this.footer.hidden = on;
    this.search.resultsEl.hidden = !on;
    if (on) {
      this.newMarker.hidden = true;
      this.list.scrollTop = 0;
    }
  }

  updateURL() {
    const search = new URLSearchParams();
    writeSearch(search, this.search.search);
    for (const key of FILTERS) if (this.filters[key]) search.set(key, this.filters[key]);
    if (this.selected) search.set("entry", this.selected);
    const text = search.toString();
    history.replaceState(null, "", "#/messages" + (text ? "/" + text : ""));
  }

  /** The API query of the filters (priority is checked here too, for servers without its filter). */
  query() {
    const query = {};
    for (const key of ["agent", "kind", "recipient", "thread", "priority", "from_tick", "to_tick"]) {
      if (this.filters[key]) query[key] = this.filters[key];
    }
    return query;
  }

  keep(entry) {
    const priority = this.filters.priority;
    return !priority || (entry.priority || "normal") === priority;
  }

  /**
   * Whether an entry_written event may be an entry the filters show (other events, which only a
   * search counts, are checked against the author and tick filters only).
   */
  matchesEvent(event) {
    const data = event.data || {};
    const f = this.filters;
    if (f.agent && !f.agent.split(",").includes(event.agent)) return false;
    if (event.type !== "entry_written") {
      return !(f.from_tick && event.tick < Number(f.from_tick)) && !(f.to_tick && event.tick > Number(f.to_tick));
    }
    if (f.kind && !f.kind.split(",").includes(data.kind)) return false;
    if (f.recipient && !(Array.isArray(data.recipients) && data.recipients.includes(f.recipient))) return false;
    if (f.thread && data.thread !== f.thread) return false;
    if (f.from_tick && event.tick < Number(f.from_tick)) return false;
    if (f.to_tick && event.tick > Number(f.to_tick)) return false;
    return true;
  }

  // MARK: loading

  reload() {
    this.stopFeed();
    const generation = this.generation;
    this.firstLoad = this.fetchOlder(generation, true).catch((error) => {
      if (generation === this.generation) { this.setFooter(`Could not load: ${error.message}`); showError(error); }
    });
  }

  /** Empties the live list and drops any answer on its way (a search replaces it, or a reload follows). */
  stopFeed() {
    this.generation += 1;
    this.rows = [];
    this.ids.clear();
    this.prependQueue = [];
    this.appendQueue = [];
    this.cursor = null;
    this.olderDone = false;
    this.detached = false;
    this.pendingEvents = 0;
    this.newCount = 0;
    this.scanLimited = false;
    this.rowsEl.replaceChildren();
    this.list.scrollTop = 0;
    this.updateMarker();
    this.loadingOlder = false;
    this.firstLoadDone = false;
    this.newestSeen = null;
  }

  loadOlder() {
    if (this.loadingOlder || this.olderDone || !this.firstLoadDone) return;
    this.fetchOlder(this.generation, false).catch(showError);
  }

  /** Fetches older pages until one keeps a row (priority is filtered here), at most 5 per call. */
  async fetchOlder(generation, first) {
    this.loadingOlder = true;
    const epoch = this.trimEpoch;
    this.setFooter("loading…");
    try {
      let kept = 0;
      for (let round = 0; round < 5 && kept === 0; round += 1) {
        const answer = await api.get("/api/messages", { ...this.query(), limit: PAGE, before: this.cursor || undefined });
        if (generation !== this.generation || epoch !== this.trimEpoch) return;
        remember(answer.messages);
        if (first && round === 0 && answer.messages[0]) this.newestSeen = answer.messages[0].id;
        this.scanLimited = !!answer.scan_limited;
        const fresh = answer.messages.filter((entry) => !this.ids.has(entry.id) && this.keep(entry));
        for (const entry of fresh) this.ids.add(entry.id);
        this.appendQueue.push(...fresh);
        kept += fresh.length;
        this.cursor = answer.next_cursor || null;
        if (!this.cursor) { this.olderDone = true; break; }
      }
      this.schedule();
    } finally {
      if (generation === this.generation) {
        this.loadingOlder = false;
        if (first) this.firstLoadDone = true;
        this.updateFooter();
      }
    }
    if (first && generation === this.generation && this.pendingEvents > 0) this.fetchNewerEntries();
  }

  onEvents(events) {
    if (this.search.active) this.search.noteEvents(events);
    const entries = events.filter((event) => event.type === "entry_written");
    if (this.panelThread) {
      if (entries.some((event) => event.data && event.data.thread === this.panelThread)) this.refreshReplies();
    }
    if (this.search.active) return; // a search is a snapshot: its hint counts what is new
    let count = 0;
    for (const event of entries) if (this.matchesEvent(event)) count += 1;
    if (count === 0) return;
    this.pendingEvents += count;
    if (this.detached) {
      this.newCount += count;
      this.pendingEvents = 0;
      this.updateMarker();
      return;
    }
    if (this.firstLoadDone) this.fetchNewerEntries();
  }

  /** Fetches what the events announced (limit = their count), then anything still pending. */
  async fetchNewerEntries() {
    if (this.fetchingNewer) return;
    this.fetchingNewer = true;
    try {
      while (this.pendingEvents > 0 && !this.detached) {
        const generation = this.generation;
        const count = this.pendingEvents;
        this.pendingEvents = 0;
        const newest = this.newestId();
        const { entries, complete } = await fetchNewer(this.query(), newest, count);
        if (generation !== this.generation || this.detached) continue;
        remember(entries);
        if (!complete) { this.reload(); return; }
        if (entries[0] && (this.newestSeen === null || compareIds(entries[0].id, this.newestSeen) > 0)) {
          this.newestSeen = entries[0].id;
        }
        const fresh = entries.filter((entry) => !this.ids.has(entry.id) && this.keep(entry));
        for (const entry of fresh) this.ids.add(entry.id);
        if (fresh.length === 0) continue;
        // Older fresh entries first at the end of the queue: they are drawn first, newer above.
        this.prependQueue = mergeNewestFirst(this.prependQueue, fresh);
        if (this.list.scrollTop > 40) { this.newCount += fresh.length; this.updateMarker(); }
        this.scheduleLive();
      }
    } catch (error) {
      showError(error);
    } finally {
      this.fetchingNewer = false;
    }
  }

  /** The newest id known: new entries are those after it. */
  newestId() {
    let newest = this.newestSeen;
    for (const candidate of [this.prependQueue[0], this.rows[0], this.appendQueue[0]]) {
      if (candidate && (newest === null || compareIds(candidate.id, newest) > 0)) newest = candidate.id;
    }
    return newest;
  }

  // MARK: drawing, a slice per frame

  /**
   * Draws on the next animation frame. Live arrivals are drawn at most every LIVE_INTERVAL_MS
   * (nobody reads faster, and each draw costs a style and layout pass of the list).
   */
  schedule(delay = 0) {
    if (this.framePending || this.signal.aborted) return;
    this.framePending = true;
    const run = () => requestAnimationFrame(() => {
      this.framePending = false;
      if (!this.signal.aborted) this.drawSlice();
    });
    if (delay > 0) setTimeout(run, delay); else run();
  }

  /** Schedules a draw of live arrivals, no sooner than LIVE_INTERVAL_MS after the last one. */
  scheduleLive() {
    const wait = this.lastLiveDraw + LIVE_INTERVAL_MS - performance.now();
    this.schedule(Math.max(0, wait));
  }

  drawSlice() {
    const start = performance.now();
    if (this.prependQueue.length > 0) this.drawPrepends(start);
    while (this.appendQueue.length > 0 && performance.now() - start < FRAME_BUDGET_MS) {
      const slice = this.appendQueue.splice(0, ROWS_PER_SLICE);
      const fragment = document.createDocumentFragment();
      for (const entry of slice) {
        const row = { id: entry.id, entry, el: this.row(entry) };
        fragment.append(row.el);
        this.rows.push(row);
      }
      this.rowsEl.append(fragment);
      this.dropNewest();
    }
    this.updateSummary();
    if (this.prependQueue.length > 0) {
      this.scheduleLive();
    } else if (this.appendQueue.length > 0) {
      this.schedule();
    } else {
      this.updateFooter();
      if (!this.drawn && this.firstLoadDone) {
        this.markViewDrawn();
        const row = this.selected ? this.rowsEl.querySelector(`[data-entry-id="${CSS.escape(this.selected)}"]`) : null;
        if (row) row.scrollIntoView({ block: "center" });
      }
    }
  }

  /** Adds queued new entries on top: the oldest first, so each slice lands under the next. */
  drawPrepends(start) {
    this.lastLiveDraw = start;
    // More arrives than can be drawn: a reader scrolled down keeps their place (the marker
    // counts what is new); at the top, the list skips ahead to the newest and the rest loads
    // as older pages, so it never lags behind nor leaves a hole.
    if (this.prependQueue.length > BACKLOG) {
      if (this.list.scrollTop > 40) {
        for (const entry of this.prependQueue) this.ids.delete(entry.id);
        this.newCount += this.prependQueue.length;
        this.prependQueue = [];
        this.detached = true;
        this.updateMarker();
        return;
      }
      for (const entry of this.prependQueue.splice(ROWS_PER_FRAME)) this.ids.delete(entry.id);
      for (const row of this.rows) this.ids.delete(row.id);
      this.rowsEl.replaceChildren();
      this.rows = [];
      this.cursor = this.prependQueue[this.prependQueue.length - 1].id;
      this.olderDone = false;
      this.trimEpoch += 1;
      this.loadingOlder = false;
      for (const entry of this.appendQueue) this.ids.delete(entry.id);
      this.appendQueue = [];
    }
    const keepPlace = this.list.scrollTop > 40;
    const height = keepPlace ? this.list.scrollHeight : 0;
    const added = [];
    while (this.prependQueue.length > 0 && added.length < ROWS_PER_FRAME
      && (added.length < ROWS_PER_SLICE || performance.now() - start < FRAME_BUDGET_MS)) {
      const entry = this.prependQueue.pop();
      if (this.rows.length > 0 && compareIds(entry.id, this.rows[0].id) < 0) {
        this.insertSorted(entry);
        continue;
      }
      added.push({ id: entry.id, entry, el: this.row(entry) });
    }
    added.reverse();
    const fragment = document.createDocumentFragment();
    for (const row of added) fragment.append(row.el);
    this.rowsEl.prepend(fragment);
    this.rows.unshift(...added);
    this.dropOldest();
    if (keepPlace) this.list.scrollTop += this.list.scrollHeight - height;
  }

  insertSorted(entry) {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareIds(this.rows[middle].id, entry.id) > 0) low = middle + 1; else high = middle;
    }
    if (low >= this.rows.length && !this.olderDone) { this.ids.delete(entry.id); return; }
    const row = { id: entry.id, entry, el: this.row(entry) };
    this.rowsEl.insertBefore(row.el, this.rows[low] ? this.rows[low].el : null);
    this.rows.splice(low, 0, row);
  }

  /** Keeps at most CAP rows by dropping the oldest; "load older" brings them back. */
  dropOldest() {
    const extra = this.rows.length - CAP;
    if (extra <= 0) return;
    const dropped = this.rows.splice(CAP, extra);
    for (const row of dropped) { row.el.remove(); this.ids.delete(row.id); }
    this.cursor = this.rows[this.rows.length - 1].id;
    this.olderDone = false;
    this.trimEpoch += 1;
    this.loadingOlder = false;
    for (const entry of this.appendQueue) this.ids.delete(entry.id);
    this.appendQueue = [];
  }

  /** Keeps at most CAP rows while paging back by dropping the newest; "newest" brings them back. */
  dropNewest() {
    const extra = this.rows.length - CAP;
    if (extra <= 0) return;
    const height = this.list.scrollHeight;
    const dropped = this.rows.splice(0, extra);
    for (const row of dropped) { row.el.remove(); this.ids.delete(row.id); }
    this.list.scrollTop -= height - this.list.scrollHeight;
    this.detached = true;
    for (const entry of this.prependQueue) this.ids.delete(entry.id);
    this.prependQueue = [];
    this.updateMarker();
  }

  row(entry) {
    const priority = entry.priority || "normal";
    const links = [];
    if (entry.reply_to) {
      links.push(h("span", null, "↩ reply to ", h("a", { href: `#/messages/entry=${entry.reply_to}`,
        "data-open": entry.reply_to, class: "mono" }, entry.reply_to)));
    }
    if (entry.thread && entry.thread !== entry.id) {
      links.push(h("span", null, "thread ", h("a", { href: `#/messages/thread=${entry.thread}`,
        "data-thread": entry.thread, class: "mono" }, entry.thread)));
    }
    if (Array.isArray(entry.tags) && entry.tags.length > 0) {
      links.push(h("span", { class: "msg-tag" }, entry.tags.map((tag) => "#" + tag).join(" ")));
    }
    const selected = entry.id === this.selected;
    return h("article", {
      class: selected ? `msg-row prio-${priority} selected` : `msg-row prio-${priority}`,
      "data-entry-id": entry.id, tabindex: "0", "aria-selected": selected ? "true" : "false",
    },
    h("div", { class: "msg-head" },
      participantLink(entry.agent), " → ", recipientsOf(entry), kindPill(entry.kind),
      priority === "normal" ? null : priorityPill(priority),
      h("time", { class: "msg-when", datetime: entry.created_at }, `tick ${entry.tick} · ${clockTime(entry.created_at)}`)),
    h("div", { class: "msg-text" }, entryText(entry)),
    links.length > 0 ? h("div", { class: "msg-links small" }, links) : null);
  }

  // MARK: status, footer, the "new" marker

  setFooter(text) {
    this.footer.querySelector(".msg-footer-text").textContent = text;
  }

  updateFooter() {
    this.olderButton.hidden = this.olderDone;
    this.olderButton.disabled = this.loadingOlder;
    if (this.loadingOlder) this.setFooter("loading…");
    else if (this.olderDone) this.setFooter(this.rows.length === 0 && this.appendQueue.length === 0
      ? "No entry matches." : "That is the oldest entry.");
    else this.setFooter(this.scanLimited ? "The server stopped scanning here: load older to go on." : "");
  }

  updateSummary() {
    if (this.search.active) return; // the search writes its own
    const parts = [`${formatCount(this.rows.length)} entries shown`];
    if (this.rows.length >= CAP) parts.push(`at most ${formatCount(CAP)} at once`);
    this.summary.textContent = parts.join(" · ");
  }

  updateMarker() {
    if (this.detached) {
      this.newMarker.hidden = false;
      this.newMarker.textContent = this.newCount > 0
        ? `↑ ${formatCount(this.newCount)} new · back to the newest` : "↑ Back to the newest";
    } else if (this.newCount > 0) {
      this.newMarker.hidden = false;
      this.newMarker.textContent = `↑ ${formatCount(this.newCount)} new`;
    } else {
      this.newMarker.hidden = true;
    }
  }

  onScroll() {
    // Infinite scroll: near the bottom, the next older page (a scroll check, not an
    // IntersectionObserver, which would be recomputed on every frame the list changes).
    const list = this.list;
    if (list.scrollTop + list.clientHeight > list.scrollHeight - 600) this.loadOlder();
    if (this.list.scrollTop <= 40 && this.detached && !this.loadingOlder) {
      this.reload(); // back at the top of a list that stopped following: follow again
      return;
    }
    if (this.list.scrollTop <= 40 && this.newCount > 0 && !this.detached) {
      this.newCount = 0;
      this.updateMarker();
    }
  }

  backToTop() {
    if (this.detached) { this.reload(); return; }
    this.newCount = 0;
    this.updateMarker();
    this.list.scrollTo({ top: 0 });
    this.rows[0]?.el.focus({ preventScroll: true });
  }

  // MARK: rows: click and keyboard

  onRowClick(event) {
    const thread = event.target.closest("a[data-thread]");
    if (thread) { event.preventDefault(); this.filterThread(thread.dataset.thread); return; }
    const open = event.target.closest("a[data-open]");
    if (open) { event.preventDefault(); this.openEntry(open.dataset.open); return; }
    if (event.target.closest("a, button")) return;
    if (window.getSelection && String(window.getSelection()).length > 0) return;
    const row = event.target.closest(".msg-row");
    if (row) this.openEntry(row.dataset.entryId);
  }

  onRowKey(event) {
    const row = event.target.closest(".msg-row");
    if (!row || event.target !== row) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.openEntry(row.dataset.entryId);
    } else if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      (row.nextElementSibling || row).focus();
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      (row.previousElementSibling || row).focus();
    }
  }

  /** The row of an entry in the list (a live row, or a search result), or null. */
  rowOf(id) {
    return id ? this.list.querySelector(`.msg-row[data-entry-id="${CSS.escape(id)}"]`) : null;
  }

  markSelected() {
    for (const row of this.list.querySelectorAll(".msg-row.selected")) {
      row.classList.remove("selected");
      row.setAttribute("aria-selected", "false");
    }
    const row = this.rowOf(this.selected);
    if (row) { row.classList.add("selected"); row.setAttribute("aria-selected", "true"); }
  }

  /** Marks the view drawn (once): its first page of entries or of search results is on screen. */
  markViewDrawn() {
    if (this.drawn) return;
    this.drawn = true;
    markDrawn("messages");
  }

  // MARK: the entry panel: the entry in full, its reply_to chain and its replies

  async openEntry(id, { focus = true } = {}) {
    this.selected = id;
    this.updateURL();
    this.markSelected();
    this.threadGeneration += 1;
    const generation = this.threadGeneration;
    this.panel.hidden = false;
    this.body.classList.add("with-panel");
    replace(this.panel, this.panelHeader(id), h("p", { class: "muted" }, "loading…"));
    let entry;
    try {
      entry = this.rows.find((row) => row.id === id)?.entry || await fetchEntry(id);
    } catch (error) {
      showError(error);
      return;
    }
    if (generation !== this.threadGeneration) return;
    const result = entry ? null : this.search.resultFor(id);
    if (result) {
      replace(this.panel, this.panelHeader(id), this.resultEntry(result));
      if (focus) this.panel.querySelector(".msg-close").focus();
      return;
    }
    if (!entry) {
      replace(this.panel, this.panelHeader(id), h("p", { class: "muted" }, `No entry ${id} (it may be archived).`));
      return;
    }
    this.panelThread = entry.thread;
    this.panelEntry = entry;
    this.chainEl = h("div", { class: "msg-chain" }, h("p", { class: "muted small" }, entry.reply_to ? "loading…" : ""));
    this.repliesEl = h("div", { class: "msg-replies" }, h("p", { class: "muted small" }, "loading…"));
    replace(this.panel, this.panelHeader(id),
      entry.reply_to ? h("section", null, h("h3", null, "Replies to"), this.chainEl) : null,
      this.fullEntry(entry),
      h("section", null, h("h3", null, "Replies"), this.repliesEl),
      h("div", { class: "row msg-panel-actions" },
        h("button", { type: "button", onclick: () => this.filterThread(entry.thread) }, "Show the thread in the list"),
        h("a", { class: "button", href: `#/desk/to=${encodeURIComponent(entry.agent)}&reply_to=${encodeURIComponent(entry.id)}`
          + (entry.kind === "request" ? "&kind=response" : "") },
          "Reply as human")));
    if (focus) this.panel.querySelector(".msg-close").focus();
    this.loadChain(entry, generation);
    this.refreshReplies();
  }

  closeEntry() {
    const id = this.selected;
    this.selected = null;
    this.panelThread = null;
    this.panelEntry = null;
    this.threadGeneration += 1;
    this.panel.hidden = true;
    this.body.classList.remove("with-panel");
    this.updateURL();
    this.markSelected();
    (this.rowOf(id) || this.list).focus();
  }

  panelHeader(id) {
    return h("div", { class: "msg-panel-head" },
      h("h2", null, "Entry ", h("span", { class: "mono" }, id)),
      h("button", { type: "button", class: "icon msg-close", "aria-label": "Close the entry", title: "Close (Esc)",
        onclick: () => this.closeEntry() }, "✕"));
  }

  fullEntry(entry) {
    const payload = entry.payload;
    const onlyText = payload && typeof payload.text === "string" && Object.keys(payload).length === 1;
    const raw = h("pre", { class: "msg-json", hidden: true }, JSON.stringify(entry, null, 2));
    const toggle = h("button", { type: "button", class: "small", "aria-expanded": "false", onclick: () => {
      raw.hidden = !raw.hidden;
      toggle.setAttribute("aria-expanded", String(!raw.hidden));
      toggle.textContent = raw.hidden ? "Show the entry as JSON" : "Hide the JSON";
    } }, "Show the entry as JSON");
    const meta = entry.meta && Object.keys(entry.meta).length > 0 ? entry.meta : null;
    return h("section", { class: "msg-full", "data-full-entry": entry.id },
      h("div", { class: "msg-head" }, participantLink(entry.agent), h("span", { class: "msg-arrow" }, "→"),
        recipientsOf(entry), kindPill(entry.kind), priorityPill(entry.priority)),
      h("dl", { class: "msg-facts small" },
        h("dt", null, "tick"), h("dd", null, String(entry.tick)),
        h("dt", null, "written"), h("dd", null, h("time", { datetime: entry.created_at }, formatTime(entry.created_at))),
        entry.reply_to ? [h("dt", null, "reply to"), h("dd", null, h("a", { href: "#", class: "mono",
          onclick: (event) => { event.preventDefault(); this.openEntry(entry.reply_to); } }, entry.reply_to))] : null,
        h("dt", null, "thread"), h("dd", null, h("a", { href: "#", class: "mono",
          onclick: (event) => { event.preventDefault(); this.filterThread(entry.thread); } }, entry.thread)),
        (entry.tags || []).length > 0 ? [h("dt", null, "tags"), h("dd", null, entry.tags.map((tag) =>
          h("span", { class: "pill" }, tag)))] : null),
      onlyText ? h("div", { class: "msg-full-text" }, payload.text)
        : [payload && typeof payload.text === "string" ? h("div", { class: "msg-full-text" }, payload.text) : null,
          h("h3", null, "Payload"), h("pre", null, JSON.stringify(payload, null, 2))],
      meta ? [h("h3", null, "Meta"), h("pre", null, JSON.stringify(meta, null, 2))] : null,
      toggle, raw);
  }

  /**
   * An entry the search found but /api/messages does not serve (an archived entry, on a server
   * whose message list does not read the archive): what the search result says of it.
   */
  resultEntry(result) {
    return h("section", { class: "msg-full", "data-full-entry": result.id },
      h("div", { class: "msg-head" }, participantLink(result.agent), h("span", { class: "msg-arrow" }, "→"),
        recipientsOf(result), kindPill(result.kind), priorityPill(result.priority),
        result.archived ? h("span", { class: "pill muted" }, "archived") : null),
      h("dl", { class: "msg-facts small" },
        h("dt", null, "tick"), h("dd", null, String(result.tick)),
        h("dt", null, "written"), h("dd", null, h("time", { datetime: result.time }, formatTime(result.time))),
        result.reply_to ? [h("dt", null, "reply to"), h("dd", { class: "mono" }, result.reply_to)] : null,
        result.thread ? [h("dt", null, "thread"), h("dd", { class: "mono" }, result.thread)] : null),
      h("div", { class: "msg-full-text msg-snippet" }, snippetNodes(result.snippet)),
      h("p", { class: "muted small" }, "Only the matching part is shown: this server does not list ",
        result.archived ? "archived entries. " : "this entry. ", "The whole entry is in ",
        h("code", null, `${result.archived ? "archive/outbox" : "agents"}/${result.agent}${result.archived ? "" : "/outbox"}/${result.id}.json`), "."));
  }

  /** A compact card in the panel that opens its entry. */
  card(entry) {
    return h("button", { type: "button", class: "msg-card", "data-card-id": entry.id,
      onclick: () => this.openEntry(entry.id) },
    h("span", { class: "msg-card-head small" }, h("strong", null, entry.agent), " → ",
      Array.isArray(entry.recipients) ? entry.recipients.join(", ") : "everyone",
      ` · ${entry.kind} · tick ${entry.tick}`),
    h("span", { class: "msg-card-text" }, entryText(entry)));
  }

  async loadChain(entry, generation) {
    if (!entry.reply_to) return;
    const chain = [];
    let current = entry;
    let missing = null;
    try {
      while (current.reply_to && chain.length < 30) {
        const parent = await fetchEntry(current.reply_to);
        if (generation !== this.threadGeneration) return;
        if (!parent) { missing = current.reply_to; break; }
        chain.unshift(parent);
        current = parent;
      }
    } catch (error) {
      showError(error);
    }
    if (generation !== this.threadGeneration) return;
    replace(this.chainEl,
      chain.length === 30 && current.reply_to ? h("p", { class: "muted small" }, "… older entries of the chain") : null,
      missing ? h("p", { class: "muted small" }, `${missing} is not there (archived or never written).`) : null,
      chain.map((parent) => this.card(parent)));
  }

  /** Fetches the direct replies (entries of the thread whose reply_to is the open entry). */
  async refreshReplies() {
    const entry = this.panelEntry;
    if (!entry) return;
    if (this.repliesLoading) { this.repliesAgain = true; return; }
    this.repliesLoading = true;
    const generation = this.threadGeneration;
    try {
      const replies = [];
      let before;
      let more = false;
      for (let page = 0; page < 3; page += 1) {
        const answer = await api.get("/api/messages", { thread: entry.thread, from_tick: entry.tick, limit: MAX_LIMIT, before });
        remember(answer.messages);
        for (const candidate of answer.messages) if (candidate.reply_to === entry.id) replies.push(candidate);
        if (!answer.next_cursor) { more = false; break; }
        more = true;
        before = answer.next_cursor;
      }
      if (generation !== this.threadGeneration) return;
      replies.sort((a, b) => compareIds(a.id, b.id));
      replace(this.repliesEl,
        replies.length === 0 ? h("p", { class: "muted small" }, "No reply yet.") : replies.map((reply) => this.card(reply)),
        more ? h("p", { class: "muted small" }, "The thread is long: only its newest entries were searched.") : null);
    } catch (error) {
      showError(error);
    } finally {
      this.repliesLoading = false;
      if (this.repliesAgain) { this.repliesAgain = false; this.refreshReplies(); }
    }
  }
}

/** Merges two lists of entries, each newest first, into one newest first. */
function mergeNewestFirst(a, b) {
  if (a.length === 0) return b.slice().sort((x, y) => compareIds(y.id, x.id));
  const all = a.concat(b);
  all.sort((x, y) => compareIds(y.id, x.id));
  return all;
}
