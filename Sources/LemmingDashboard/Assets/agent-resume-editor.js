// The agent inspector's resume editor: a form of the resume's fields (fields it lacks are kept), a
// raw JSON tab, and saving through the API's validator, whose issues are shown next to the fields
// they are about. Nothing is written unless the validator passes.
import { ApiError, HUMAN, api, compact, h, plural, pretty, replace, resources, showError, toast } from "./core.js";

const enc = encodeURIComponent;

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

/** Whether a validator issue's field is `path` or inside it ("model.key" is in "model"). */
export function matchesPath(field, path) {
  return field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
}

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

export function resumeTab(panel, context) {
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
