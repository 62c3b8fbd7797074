// The messages view's full-text search (GET /api/search, issue 13): the box with its scope and
// order, the results with their snippets, paged by cursor. The view's filters apply to the search;
// the search lives in the URL fragment with them (q, in, order), so a link reproduces it.
//
// A search is a snapshot: while it is shown nothing is injected into it; events that could add to
// it are counted instead, and a hint offers to search again.
import { ApiError, agentLink, api, formatCount, h, navigate, pill, plural, replace } from "./core.js";
import { clockTime, kindPill, participantLink, priorityPill, recipientsOf } from "./view-messages.js";

const PAGE = 50; // results per page
const CAP = 1000; // results kept in the DOM at most: past it, narrow the search
const DEBOUNCE_MS = 450; // typing pauses this long before the search runs by itself
const FIELD_ID = "msg-search-q";
const ERROR_ID = "msg-search-error";

/** The scopes (the API's `in`) with their labels; "all" sends no `in`. */
export const SCOPES = { all: "Everything", entries: "Entries", memory: "Memory", turns: "Turns" };
/** The orders (the API's `order`) with their labels; "relevance" is the API's default. */
export const ORDERS = { relevance: "Best match", time: "Newest first" };

const SOURCE_LABELS = { entry: "entry", memory: "memory", turn: "turn" };
// The events that may add to a search of each scope.
const SCOPE_EVENTS = { entry_written: "entries", memory_updated: "memory", turn_finished: "turns", turn_failed: "turns" };
/** The event types a search counts while it is shown. */
export const SEARCH_EVENTS = Object.keys(SCOPE_EVENTS);

/** The search of a route's query (URLSearchParams): { q, scope, order }; q "" is no search. */
export function parseSearch(params) {
  const scope = params.get("in");
  const order = params.get("order");
  return {
    q: (params.get("q") || "").trim(),
    scope: Object.hasOwn(SCOPES, scope || "") ? scope : "all",
    order: Object.hasOwn(ORDERS, order || "") ? order : "relevance",
  };
}

/** Writes a search into URLSearchParams (nothing when there is no query; defaults left out). */
export function writeSearch(params, search) {
  if (!search.q) return;
  params.set("q", search.q);
  if (search.scope !== "all") params.set("in", search.scope);
  if (search.order !== "relevance") params.set("order", search.order);
}

/**
 * The nodes of a snippet as the API gives it: even positions are context, odd positions are the
 * matched text, which is marked. Text nodes only: a snippet is never parsed as HTML.
 */
export function snippetNodes(snippet) {
  if (!Array.isArray(snippet)) return [];
  return snippet.map((part, index) =>
    index % 2 === 1 ? h("mark", null, String(part)) : document.createTextNode(String(part)));
}

/**
 * Whether a query being typed is worth sending by itself: its quotes and parentheses are closed
 * and it does not end with an operator. Enter sends any query (and shows the server's error).
 */
export function looksComplete(q) {
  if (((q.match(/"/g) || []).length % 2) !== 0) return false;
  let depth = 0;
  for (const char of q.replace(/"[^"]*"/g, "")) {
    if (char === "(") depth += 1;
    else if (char === ")" && (depth -= 1) < 0) return false;
  }
  return depth === 0 && !/(^|\s)(AND|OR|NOT|NEAR)\s*$/.test(q) && !/[+\-^:(]\s*$/.test(q);
}

/** The link a memory or turn result opens: the agent's memory tab at the key, its turns at the tick. */
export function resultLink(result) {
  const agent = encodeURIComponent(result.agent);
  if (result.source === "memory") return `#/agents/${agent}/memory/${encodeURIComponent(result.key)}`;
  if (result.source === "turn") return `#/agents/${agent}/turns/${result.tick}`;
  return `#/messages/entry=${encodeURIComponent(result.id)}`;
}

/**
 * The search box and its results. `host` is the messages view: `filters()` (the API query of its
 * filters), `matches(event)` (whether an entry_written event passes them), `changed()` (the
 * search was submitted or cleared: the URL and the list follow), `open(id)` (opens an entry in
 * the panel), `selected()` (the open entry's id), `drawn()` (the first answer is on screen) and
 * `summary(text)` (the line beside the title).
 */
export class MessageSearch {
  constructor(initial, host) {
    this.search = { ...initial };
    this.host = host;
    this.generation = 0; // bumps with each search: late answers are dropped
    this.results = []; // what is shown, in order
    this.byId = new Map(); // entry results by id (the panel's fallback for archived entries)
    this.cursor = null;
    this.total = null;
    this.loading = false;
    this.newSince = 0;
    this.debounce = null;
    this.build();
  }

  get active() { return this.search.q !== ""; }

  // MARK: layout

  build() {
    const { q, scope, order } = this.search;
    this.input = h("input", {
      type: "search", name: "q", id: FIELD_ID, value: q, autocomplete: "off", spellcheck: "false",
      placeholder: "Search the history", "aria-label": "Search text", "aria-describedby": ERROR_ID,
      title: "Words, \"a phrase\", prefix*, AND / OR / NOT. Enter searches, Escape clears.",
    });
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    const choice = (name, label, options, value) => h("select", { name, "aria-label": label, title: label,
      onchange: () => this.submit() },
    Object.entries(options).map(([key, text]) => h("option", { value: key, selected: key === value ? true : null }, text)));
    this.scopeSelect = choice("in", "Search in", SCOPES, scope);
    this.orderSelect = choice("order", "Order of the results", ORDERS, order);
    this.form = h("form", { class: "msg-search-form", role: "search", "aria-label": "Search the history",
      onsubmit: (event) => { event.preventDefault(); this.submit({ force: true }); } },
    h("span", { class: "msg-search-field" }, this.input),
    this.scopeSelect, this.orderSelect,
    h("button", { type: "submit", class: "primary" }, "Search"));
    this.error = h("p", { class: "error small msg-search-error", id: ERROR_ID, role: "alert" });
    this.element = h("div", { class: "msg-search-box" }, this.form, this.error);

    this.hint = h("button", { type: "button", class: "msg-new msg-search-hint", hidden: true,
      onclick: () => this.run() });
    this.list = h("div", { class: "msg-results", role: "feed", "aria-label": "Search results" });
    this.list.addEventListener("click", (event) => this.onClick(event));
    this.list.addEventListener("keydown", (event) => this.onListKey(event));
    this.more = h("button", { type: "button", hidden: true, onclick: () => this.loadMore() }, "More results");
    this.footerText = h("span", { class: "muted small" });
    this.resultsEl = h("div", { class: "msg-search-results", hidden: true },
      this.hint, this.list, h("div", { class: "msg-footer" }, this.more, this.footerText));
  }

  // MARK: input

  onKey(event) {
    if (event.key === "Escape") {
      if (this.input.value === "" && !this.active) return;
      event.preventDefault();
      this.input.value = "";
      this.submit();
    } else if (event.key === "ArrowDown" && this.active) {
      const first = this.list.querySelector(".msg-row");
      if (first) { event.preventDefault(); first.focus(); }
    }
  }

  /** Typing searches by itself once it pauses, if the query looks complete (or was emptied). */
  typed() {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const q = this.input.value.trim();
      if (q === "" || looksComplete(q)) this.submit();
    }, DEBOUNCE_MS);
  }

  /**
   * Applies the box: a new query, scope or order searches (`force`: even when nothing changed,
   * as Enter does); an empty box leaves the search for the live list.
   */
  submit({ force = false } = {}) {
    clearTimeout(this.debounce);
    const next = { q: this.input.value.trim(), scope: this.scopeSelect.value, order: this.orderSelect.value };
    const same = next.q === this.search.q && next.scope === this.search.scope && next.order === this.search.order;
    if (same && !force) return;
    if (!next.q && !this.active) { this.search = next; return; }
    this.search = next;
    if (!this.active) this.reset();
    this.host.changed();
  }

  /** Clears the search (the box, the results, the error). */
  clear() {
    this.input.value = "";
    this.search = { ...this.search, q: "" };
    this.reset();
  }

  reset() {
    clearTimeout(this.debounce);
    this.generation += 1;
    this.results = [];
    this.byId.clear();
    this.cursor = null;
    this.total = null;
    this.capped = false;
    this.index = null;
    this.loading = false;
    this.newSince = 0;
    this.list.replaceChildren();
    this.showError(null);
    this.updateHint();
    this.updateFooter();
  }

  /** Shows `message` beside the box (null clears it); `query`: the query itself is at fault. */
  showError(message, { query = false } = {}) {
    this.error.textContent = message || "";
    if (message && query) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
  }

  // MARK: fetching

  query(cursor) {
    const query = { ...this.host.filters(), q: this.search.q, limit: PAGE, cursor: cursor || undefined };
    if (this.search.scope !== "all") query.in = this.search.scope;
    if (this.search.order !== "relevance") query.order = this.search.order;
    return query;
  }

  /** Runs the search from its first page (the view's filters as they are now). */
  async run() {
    this.reset();
    const generation = this.generation;
    this.loading = true;
    this.updateFooter();
    this.host.summary("searching…");
    try {
      const answer = await api.get("/api/search", this.query(null));
      if (generation !== this.generation) return;
      this.take(answer);
    } catch (error) {
      if (generation !== this.generation) return;
      this.failed(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.updateFooter();
        this.host.drawn();
      }
    }
  }

  async loadMore() {
    if (this.loading || !this.cursor) return;
    const generation = this.generation;
    this.loading = true;
    this.updateFooter();
    try {
      const answer = await api.get("/api/search", this.query(this.cursor));
      if (generation !== this.generation) return;
      this.take(answer);
    } catch (error) {
      if (generation !== this.generation) return;
      this.failed(error);
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.updateFooter();
      }
    }
  }

  take(answer) {
    this.showError(null);
    const results = Array.isArray(answer.results) ? answer.results : [];
    const room = Math.max(CAP - this.results.length, 0);
    const kept = results.slice(0, room);
    this.results.push(...kept);
    for (const result of kept) if (result.source === "entry" && result.id) this.byId.set(result.id, result);
    const selected = this.host.selected();
    this.list.append(...kept.map((result) => this.resultElement(result, selected)));
    // The count comes with the first page only (counting costs the server a pass).
    if (typeof answer.total === "number") this.total = answer.total;
    this.capped = results.length > kept.length || (this.results.length >= CAP && !!answer.next_cursor);
    this.cursor = this.capped ? null : answer.next_cursor || null;
    this.index = answer.index || null;
    this.updateSummary();
  }

  failed(error) {
    if (error instanceof ApiError && error.status === 401) return;
    if (error instanceof ApiError && error.status === 404 && error.code === "no_route") {
      this.showError("This server has no search (GET /api/search): update lemming.");
    } else if (error instanceof ApiError && error.status === 400) {
      const field = error.field && error.field !== "q" ? ` (${error.field})` : "";
      this.showError(`${error.message}${field}`, { query: !error.field || error.field === "q" });
    } else {
      this.showError(`The search failed: ${error.message}`);
    }
    if (this.results.length === 0) this.host.summary("");
  }

  // MARK: results

  resultElement(result, selected) {
    const source = SOURCE_LABELS[result.source] || String(result.source);
    const when = h("time", { class: "msg-when", datetime: result.time || null },
      result.time ? `tick ${result.tick} · ${clockTime(result.time)}` : `tick ${result.tick}`);
    const head = [h("span", { class: `msg-source source-${source}`, title: "where the match is" }, source)];
    let attrs;
    if (result.source === "entry") {
      const priority = result.priority || "normal";
      head.push(participantLink(result.agent), h("span", { class: "msg-arrow" }, "→"), recipientsOf(result),
        result.kind ? kindPill(result.kind) : null, priority === "normal" ? null : priorityPill(priority),
        result.archived ? pill("archived", "muted") : null);
      const isSelected = result.id === selected;
      attrs = { class: `msg-row msg-result prio-${priority}${isSelected ? " selected" : ""}`,
        "data-entry-id": result.id, "aria-selected": isSelected ? "true" : "false" };
    } else {
      const link = resultLink(result);
      head.push(agentLink(result.agent));
      if (result.source === "memory") {
        head.push(h("a", { href: link, class: "mono msg-result-link", "data-link": "" }, result.key));
      } else {
        head.push(h("a", { href: link, class: "msg-result-link", "data-link": "" }, `turn of tick ${result.tick}`),
          result.kind ? pill(result.kind) : null);
      }
      attrs = { class: "msg-row msg-result", "data-href": link };
    }
    head.push(when);
    return h("article", { ...attrs, tabindex: "0", "data-source": source },
      h("div", { class: "msg-head" }, head),
      h("div", { class: "msg-text msg-snippet" }, snippetNodes(result.snippet)));
  }

  /** Marks the open entry's result (if it is one). */
  markSelected(id) {
    for (const row of this.list.querySelectorAll(".msg-row.selected")) {
      row.classList.remove("selected");
      row.setAttribute("aria-selected", "false");
    }
    const row = id ? this.list.querySelector(`[data-entry-id="${CSS.escape(id)}"]`) : null;
    if (row) { row.classList.add("selected"); row.setAttribute("aria-selected", "true"); }
  }

  /** The entry result of `id`, if the search found it. */
  resultFor(id) {
    return this.byId.get(id) || null;
  }

  activate(row) {
    if (row.dataset.entryId) this.host.open(row.dataset.entryId);
    else if (row.dataset.href) navigate(row.dataset.href);
  }

  onClick(event) {
    if (event.target.closest("a, button")) return;
    if (window.getSelection && String(window.getSelection()).length > 0) return;
    const row = event.target.closest(".msg-row");
    if (row) this.activate(row);
  }

  onListKey(event) {
    const row = event.target.closest(".msg-row");
    if (!row || event.target !== row) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.activate(row);
    } else if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      (row.nextElementSibling || row).focus();
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      if (row.previousElementSibling) row.previousElementSibling.focus(); else this.input.focus();
    }
  }

  // MARK: live: count, never inject

  /** Counts the events that may have added results since the search (entry events passed the filters). */
  noteEvents(events) {
    if (!this.active) return;
    let count = 0;
    for (const event of events) {
      const scope = SCOPE_EVENTS[event.type];
      if (!scope || (this.search.scope !== "all" && this.search.scope !== scope)) continue;
      if (this.host.matches(event)) count += 1;
    }
    if (count === 0) return;
    this.newSince += count;
    this.updateHint();
  }

  updateHint() {
    this.hint.hidden = this.newSince === 0;
    const what = this.search.scope === "entries" ? plural(this.newSince, "new entry", "new entries")
      : `${formatCount(this.newSince)} new`;
    this.hint.textContent = `${what} since this search · refresh`;
  }

  updateSummary() {
    if (this.total === null) { this.host.summary(""); return; }
    const parts = [plural(this.total, "result")];
    if (this.results.length < this.total) parts.push(`${formatCount(this.results.length)} shown`);
    if (this.index && this.index.behind) parts.push(`the index is catching up (tick ${this.index.tick})`);
    this.host.summary(parts.join(" · "));
  }

  updateFooter() {
    this.more.hidden = !this.cursor;
    this.more.disabled = this.loading;
    let text = "";
    if (this.loading) text = "searching…";
    else if (this.error.textContent) text = this.results.length === 0 ? "Fix the query above to search." : "";
    else if (this.total === null) text = "";
    else if (this.results.length === 0) text = "Nothing matches.";
    else if (this.capped) text = `The first ${formatCount(CAP)} results: narrow the search to see the others.`;
    else if (!this.cursor) text = "That is every result.";
    this.footerText.textContent = text;
  }
}
