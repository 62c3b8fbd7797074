// Boots the dashboard: session, the top bar (tick, engine state, controls, theme), the navigation
// and the router that mounts one view at a time.
import {
  act, api, currentRoute, h, live, loadSession, login, replace, resources, session, showError, views,
} from "./core.js";
import overview from "./view-overview.js";
import graph from "./view-graph.js";
import timeline from "./view-timeline.js";
import messages from "./view-messages.js";
import agent from "./view-agent.js";
import credits from "./view-credits.js";
import desk from "./view-desk.js";
import tools from "./view-tools.js";

const NAVIGATION = [overview, graph, timeline, messages, agent, credits, desk, tools];
for (const view of NAVIGATION) views.set(view.id, view);

// MARK: - Theme

function effectiveTheme() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === "light" || chosen === "dark") return chosen;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function setUpTheme() {
  const button = document.getElementById("theme-toggle");
  const label = () => {
    const next = effectiveTheme() === "dark" ? "light" : "dark";
    button.setAttribute("aria-label", `Switch to the ${next} theme`);
    button.title = `Switch to the ${next} theme`;
  };
  button.addEventListener("click", () => {
    const next = effectiveTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("lemming.theme", next); } catch { /* not remembered */ }
    label();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", label);
  label();
}

// MARK: - Top bar

function engineLabel(status) {
  const hosted = status.hosted_engine;
  let where;
  if (hosted && hosted.state === "running") where = "running here";
  else if (status.engine_running) where = "running elsewhere";
  else where = "stopped";
  return { where, paused: !!status.paused };
}

function renderTopBar(status) {
  document.getElementById("org-name").textContent = status.org;
  document.title = `${status.org} · LeMMing`;
  setTick(status.last_committed_tick);
  const { where, paused } = engineLabel(status);
  const pill = document.getElementById("engine-state");
  pill.textContent = paused ? `${where} · paused` : where;
  pill.className = `pill ${paused ? "warn" : where === "stopped" ? "muted" : "ok"}`;
  pill.dataset.engine = where.replace(" ", "-");

  const engineRuns = where !== "stopped";
  const step = h("button", {
    type: "button", "data-action": "step", disabled: engineRuns ? true : null,
    title: engineRuns ? "An engine is running: it runs the ticks" : "Run one tick now",
    onclick: (event) => act(event.currentTarget, () => api.post("/api/step"), (answer) =>
      answer && answer.tick !== undefined ? `tick ${answer.tick} done` : "tick done"),
  }, "Step");
  const pause = paused
    ? h("button", { type: "button", "data-action": "resume-engine",
      onclick: (event) => act(event.currentTarget, () => api.post("/api/resume"), "engine resumed") }, "Resume")
    : h("button", { type: "button", "data-action": "pause-engine",
      onclick: (event) => act(event.currentTarget, () => api.post("/api/pause"), "engine paused") }, "Pause");
  replace(document.getElementById("engine-controls"), step, pause);
}

let shownTick = null;

function setTick(tick) {
  if (typeof tick !== "number" || (shownTick !== null && tick < shownTick)) return;
  shownTick = tick;
  document.getElementById("current-tick").textContent = String(tick);
}

function setUpConnection() {
  const indicator = document.getElementById("connection");
  live.onState((state) => {
    indicator.textContent = state === "open" ? "live" : state === "closed" ? "reconnecting…" : "connecting";
    indicator.className = `connection ${state}`;
  });
  live.subscribe((events) => {
    for (const event of events) setTick(event.tick);
  }, { types: ["tick_finished"] });
}

// MARK: - Navigation and routing

function renderNavigation() {
  const items = NAVIGATION.filter((view) => view.id !== "agents").map((view) =>
    h("li", null, h("a", { href: `#/${view.id}`, "data-view": view.id }, view.title)));
  items.splice(4, 0, h("li", null, h("a", { href: "#/agents", "data-view": "agents" }, "Agents")));
  replace(document.getElementById("nav"), items);
}

let mounted = null;

function route() {
  const { view: id, params } = currentRoute();
  const view = views.get(id) || views.get("overview");
  if (mounted) mounted.controller.abort();
  const controller = new AbortController();
  const main = document.getElementById("main");
  const root = h("section", { class: `view view-${view.id}`, "data-view": view.id });
  replace(main, root);
  mounted = { view, controller };
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view.id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    const result = view.mount(root, { params, signal: controller.signal });
    if (result && typeof result.catch === "function") result.catch(showError);
  } catch (error) {
    showError(error);
  }
}

// MARK: - Login

function showLogin() {
  const overlay = document.getElementById("login");
  if (!overlay.hidden) return;
  overlay.hidden = false;
  overlay.querySelector("input[name=key]").focus();
}

function setUpLogin() {
  const overlay = document.getElementById("login");
  const form = overlay.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = form.elements.key;
    const error = document.getElementById("login-error");
    error.textContent = "";
    try {
      await login(field.value);
      field.value = "";
      overlay.hidden = true;
      if (!started) await start(); else resources.invalidateAll();
    } catch (failure) {
      error.textContent = failure.status === 401 ? "That key is not right." : failure.message;
    }
  });
  session.onUnauthorized(showLogin);
}

// MARK: - Boot

let started = false;

async function start() {
  const status = await resources.status().get();
  started = true;
  resources.status().subscribe(renderTopBar);
  live.start(status.last_event_seq);
  renderNavigation();
  window.addEventListener("hashchange", route);
  route();
}

async function boot() {
  setUpTheme();
  setUpLogin();
  setUpConnection();
  try {
    await loadSession();
    if (session.keyRequiredForReads && !session.authenticated) { showLogin(); return; }
    await start();
  } catch (error) {
    if (error.status === 401) showLogin(); else showError(error);
  }
}

boot();
