// The dashboard's shared core: the API client, the live event stream, cached resources that the
// stream keeps fresh, DOM helpers, formatting and the router. Every view is built on these only.
//
// Contract for views (see app.js for how they are registered):
//   export default { id: "graph", title: "Graph", mount(root, ctx) }
//   mount() fills `root` (an empty <section>); ctx = { params, signal } where `signal` aborts when
//   the view is left: pass it to live.subscribe / resource.subscribe / addEventListener so nothing
//   outlives the view. Call markDrawn(id) once the view has fully drawn its first data.

// MARK: - API

/** An error answered by the API: `{"error": {status, code, message, field, details}}`. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.field = error.field || null;
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

/** The browser session: whether a key is needed, and the CSRF token changes must carry. */
export const session = {
  csrf: null,
  keyRequiredForReads: false,
  keyRequiredForChanges: false,
  authenticated: true,
  listeners: new Set(),
  /** Called when the API answers 401: the app shows the login form. */
  onUnauthorized(fn) { this.listeners.add(fn); },
  unauthorized() { this.authenticated = false; for (const fn of this.listeners) fn(); },
};

async function request(method, path, body, query) {
  let url = path;
  if (query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
    }
    // Spaces as %20, not URLSearchParams' "+": a server that decodes only percent escapes (as
    // LeMMing's does) would read "+" as a plus, and a search for "a NOT b" would fail.
    const text = search.toString().replace(/\+/g, "%20");
    if (text) url += (url.includes("?") ? "&" : "?") + text;
  }
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let parsed = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) parsed = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) session.unauthorized();
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

/** The REST API: each method resolves to the parsed JSON body or rejects with an ApiError. */
export const api = {
  get: (path, query) => request("GET", path, undefined, query),
  post: (path, body = {}) => request("POST", path, body),
  put: (path, body) => request("PUT", path, body),
  delete: (path) => request("DELETE", path),
};

/** Reads GET /api/session (absent on old servers: then nothing is needed). */
export async function loadSession() {
  try {
    const answer = await api.get("/api/session");
    session.csrf = answer.csrf_token || null;
    session.keyRequiredForReads = !!answer.key_required_for_reads;
    session.keyRequiredForChanges = !!answer.key_required_for_changes;
    session.authenticated = !!answer.authenticated;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  return session;
}

/** Logs in with an API key: the server sets an HttpOnly cookie and returns the CSRF token. */
export async function login(key) {
  const answer = await api.post("/api/session", { key });
  session.csrf = answer.csrf_token || null;
  session.authenticated = true;
  return answer;
}

// MARK: - Live events

/**
 * The `/api/events` WebSocket: events are queued as they arrive and handed to subscribers in one
 * batch per animation frame. The last sequence seen is kept, so a reconnect (with backoff) asks
 * for `since=<last>` and misses nothing; while the socket is down, resources are refreshed by
 * polling as a fallback. A `gap` frame (history gone) refreshes every resource.
 */
export const live = {
  lastSeq: null,
  state: "connecting",
  socket: null,
  queue: [],
  scheduled: false,
  subscribers: new Set(),
  stateListeners: new Set(),
  recent: [],
  recentLimit: 500,
  retryDelay: 500,
  pollTimer: null,
  reconnectTimer: null,

  /** Opens the socket (after the first status, so `since` is known). */
  start(since) {
    if (typeof since === "number" && this.lastSeq === null) this.lastSeq = since;
    this.connect();
  },

  connect() {
    clearTimeout(this.reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const since = this.lastSeq === null ? "" : `?since=${this.lastSeq}`;
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/api/events${since}`);
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.retryDelay = 500;
      this.setState("open");
      this.stopPolling();
      // Anything missed while down arrives through `since`; resources refetch once to be sure.
      resources.invalidateAll();
    });
    socket.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event.type === "gap") { resources.invalidateAll(); return; }
      if (typeof event.seq === "number") {
        if (this.lastSeq !== null && event.seq <= this.lastSeq) return;
        this.lastSeq = event.seq;
      }
      this.queue.push(event);
      this.schedule();
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setState("closed");
      this.startPolling();
      this.scheduleReconnect();
    });
  },

  scheduleReconnect() {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 5000);
  },

  startPolling() {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => resources.invalidateAll(), 3000);
  },

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  },

  setState(state) {
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  },

  /** Calls fn(state) now and whenever the socket opens or closes. */
  onState(fn, signal) {
    this.stateListeners.add(fn);
    signal?.addEventListener("abort", () => this.stateListeners.delete(fn));
    fn(this.state);
  },

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => { this.scheduled = false; this.flush(); };
    // A hidden tab gets no animation frames: flush on a timer then.
    if (document.hidden) setTimeout(flush, 250); else requestAnimationFrame(flush);
  },

  flush() {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.recent.push(...batch);
    if (this.recent.length > this.recentLimit) this.recent.splice(0, this.recent.length - this.recentLimit);
    resources.consider(batch);
    for (const subscriber of this.subscribers) {
      const events = subscriber.types ? batch.filter((e) => subscriber.types.has(e.type)) : batch;
      if (events.length === 0) continue;
      try { subscriber.fn(events); } catch (error) { console.warn("event subscriber failed", error); }
    }
  },

  /**
   * Calls fn(events) once per animation frame with the new events (only `types` when given).
   * Returns an unsubscribe function; aborting `signal` unsubscribes too.
   */
  subscribe(fn, { types, signal } = {}) {
    const subscriber = { fn, types: types ? new Set(types) : null };
    this.subscribers.add(subscriber);
    const stop = () => this.subscribers.delete(subscriber);
    signal?.addEventListener("abort", stop);
    return stop;
  },
};

// MARK: - Resources kept fresh by events

/**
 * A GET endpoint whose answer is cached and refetched (once per frame at most) when an event
 * of `refreshOn` arrives. Views share one resource per path.
 */
class Resource {
  constructor(path, query, refreshOn) {
    this.path = path;
    this.query = query;
    this.refreshOn = refreshOn === "*" ? "*" : new Set(refreshOn || []);
    this.value = undefined;
    this.error = null;
    this.loading = null;
    this.stale = true;
    this.listeners = new Set();
  }

  /** The value, fetching it when stale (concurrent calls share one request). */
  get() {
    if (!this.stale && this.value !== undefined) return Promise.resolve(this.value);
    if (this.loading) return this.loading;
    this.stale = false;
    this.loading = api.get(this.path, this.query).then(
      (value) => {
        this.loading = null;
        this.value = value;
        this.error = null;
        for (const fn of this.listeners) {
          try { fn(value); } catch (error) { console.warn("resource listener failed", error); }
        }
        // Invalidated while the request was on its way: what it answered may be stale already.
        if (this.stale && this.listeners.size > 0) this.get().catch(() => {});
        return value;
      },
      (error) => { this.loading = null; this.error = error; this.stale = true; throw error; });
    return this.loading;
  }

  /** Marks the value stale and refetches it if anyone listens. */
  invalidate() {
    this.stale = true;
    if (this.listeners.size > 0) this.get().catch(() => {});
  }

  /** Calls fn(value) with the current value (fetched if needed) and every refreshed one. */
  subscribe(fn, signal) {
    this.listeners.add(fn);
    signal?.addEventListener("abort", () => this.listeners.delete(fn));
    if (this.value !== undefined && !this.stale) fn(this.value);
    else this.get().catch((error) => showError(error));
  }

  matches(event) {
    return this.refreshOn === "*" || this.refreshOn.has(event.type);
  }
}

const TICK_EVENTS = ["tick_finished", "engine_started", "engine_stopped", "engine_paused", "engine_resumed",
  "agent_paused", "agent_resumed", "agent_created", "resume_invalid", "resume_loaded", "config_invalid",
  "budget_exhausted", "loop_detected", "command_applied", "approval_requested", "approval_resolved",
  "recovered", "state_file_unreadable"];

export const resources = {
  all: new Map(),

  /**
   * The shared resource of `path` (+ query), refreshed by events of `refreshOn` ("*": any). `key`
   * names it when two resources read the same URL with different refresh rules.
   */
  get(path, { query, refreshOn, key: name } = {}) {
    const key = name || path + (query ? "?" + new URLSearchParams(query).toString() : "");
    let resource = this.all.get(key);
    if (!resource) {
      resource = new Resource(path, query, refreshOn);
      this.all.set(key, resource);
    }
    return resource;
  },

  consider(batch) {
    for (const resource of this.all.values()) {
      if (batch.some((event) => resource.matches(event))) resource.invalidate();
    }
  },

  invalidateAll() {
    for (const resource of this.all.values()) resource.invalidate();
  },

  // The org-wide resources most views share.
  status: () => resources.get("/api/status", { refreshOn: TICK_EVENTS }),
  graph: () => resources.get("/api/graph", { refreshOn: ["agent_created", "resume_loaded", "resume_invalid",
    "agent_paused", "agent_resumed", "budget_exhausted", "loop_detected", "command_applied"] }),
  ledger: () => resources.get("/api/ledger", { refreshOn: ["tick_finished", "credits_changed", "command_applied"] }),
  ticks: () => resources.get("/api/ticks", { query: { limit: 200 }, refreshOn: ["tick_finished"] }),
  /** The same ticks fetched once (and after a reconnect or gap): for views that apply tick events themselves. */
  tickHistory: () => resources.get("/api/ticks", { key: "tick-history", query: { limit: 200 }, refreshOn: [] }),
  approvals: () => resources.get("/api/approvals", { refreshOn: ["approval_requested", "approval_resolved",
    "command_applied", "tick_finished"] }),
  tools: () => resources.get("/api/tools", { refreshOn: ["agent_created", "resume_loaded", "config_invalid"] }),
  templates: () => resources.get("/api/templates", { refreshOn: [] }),
};

// MARK: - DOM

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { for (const item of child) append(parent, item); return; }
  parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
}

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      element.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "style" && typeof value === "object") {
      for (const [name, style] of Object.entries(value)) element.style.setProperty(name, style);
    } else if (key === "value" && "value" in element) {
      element.value = value;
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * Creates an HTML element: h("button", {class: "primary", onclick: fn, "data-action": "x"}, "Text").
 * Attributes with null/undefined/false are left out; `style` takes an object of CSS properties
 * (set through CSSOM, which the CSP allows); children may be strings, nodes, arrays or null.
 */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element, like h(). */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Replaces the children of `element` with `children`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Marks a view as fully drawn (measured by the dashboard benchmark), once per navigation. */
export function markDrawn(view) {
  const name = `lemming:drawn:${view}`;
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
  document.documentElement.dataset.drawn = view;
}

/** Shows a transient message at the bottom of the page (kind: "info", "ok" or "error"). */
export function toast(message, kind = "info") {
  const area = document.getElementById("toasts");
  if (!area) return;
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  area.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

/** Shows an error (an ApiError's message, with its field) as a toast. */
export function showError(error) {
  if (error instanceof ApiError && error.status === 401) return;
  const field = error instanceof ApiError && error.field ? ` (${error.field})` : "";
  toast(`${error.message}${field}`, "error");
}

/** Runs an action from a button: disables it meanwhile, toasts the error if it fails. */
export async function act(button, action, success) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    if (success) toast(typeof success === "function" ? success(result) : success, "ok");
    return result;
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A state or stop-reason pill; `kind` ("ok", "warn", "bad", "muted") overrides the state's class. */
export function pill(text, kind) {
  return h("span", { class: `pill ${kind || stateClass(text)}` }, text ?? "—");
}

/** A link that opens an outbox entry in the messages view. */
export function entryLink(id) {
  return h("a", { href: `#/messages/entry=${encodeURIComponent(id)}`, class: "mono entry-link" }, id);
}

/** A definition list of [term, value] pairs (null pairs are left out; an empty value shows "—"). */
export function definitions(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([term, value]) =>
    [h("dt", null, term), h("dd", null, value === null || value === undefined || value === "" ? "—" : value)]));
}

/** A button that pages further: disabled while loading, hidden when there is nothing more. */
export function moreButton(label, onclick) {
  const button = h("button", { type: "button", class: "more", onclick: () => onclick(button) }, label);
  return button;
}

const drawnKeys = new WeakMap();

/**
 * Redraws `element` with build() only when `data` (compared as JSON) changed: an unchanged part
 * keeps its nodes, so a live refresh takes no click, focus or selection away from it.
 */
export function redraw(element, data, build) {
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
export function coalesce(refresh) {
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

// MARK: - Formatting

/** Credits with up to 4 decimals ("0.0012", "12.5"). */
export function formatCredits(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs === 0 ? 0 : abs < 0.01 ? 4 : abs < 10 ? 3 : 2;
  return Number(value).toFixed(digits).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** A duration in milliseconds, readable ("0.4 ms", "12 ms", "1.2 s", "3 min"). */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60000)} min`;
}

/** An ISO 8601 time as the local time of day (and date when not today). */
export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

/** A whole number with thousands separators. */
export function formatCount(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("en-US");
}

/** A count with its noun: plural(1, "turn") → "1 turn", plural(3, "entry", "entries") → "3 entries". */
export function plural(count, one, many = `${one}s`) {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** A value as indented JSON ("" for undefined; String(value) if it cannot be serialized). */
export function pretty(value) {
  if (value === undefined) return "";
  try { return JSON.stringify(value, null, 2); } catch { return String(value); }
}

/** A value as one-line JSON (String(value) if it cannot be serialized). */
export function compact(value) {
  try { return JSON.stringify(value); } catch { return String(value); }
}

/** The text of an entry's payload: payload.text, else the payload as compact JSON. */
export function payloadText(payload) {
  if (payload && typeof payload.text === "string") return payload.text;
  return JSON.stringify(payload);
}

/** The CSS class of an agent state or stop reason: "ok", "warn", "bad" or "muted". */
export function stateClass(state) {
  switch (state) {
    case "active": case "completed": case "operator": return "ok";
    case "paused": case "disabled": case "idle": return "muted";
    case "budget_exhausted": case "loop_detected": case "unusable_replies": case "awaiting_approval":
    case "truncated": case "refused": case "empty_reply": return "warn";
    default: return "bad";
  }
}

// MARK: - Router

/** The views by id, registered by app.js. */
export const views = new Map();

/** Goes to a fragment route like "#/agents/coder". */
export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

/** The route of the current fragment: { view, params } ("#/agents/x" → agents with name "x"). */
export function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const view = parts[0] || "overview";
  return { view, params: parts.slice(1) };
}

/** The operator's name as a participant (it has an outbox, no resume). */
export const HUMAN = "human";

/** A link to an agent's inspector. */
export function agentLink(name) {
  return h("a", { href: `#/agents/${encodeURIComponent(name)}`, class: "agent-link" }, name);
}
