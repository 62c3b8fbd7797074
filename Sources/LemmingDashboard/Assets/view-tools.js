// The tools view: every tool the org knows, its argument schema rendered readably (with the raw
// JSON Schema collapsible), whether it needs the human's approval, and which agents may use it.
import { agentLink, formatCount, h, markDrawn, replace, resources } from "./core.js";

// MARK: - Schema rendering

/** A short type text of a schema: "string", "integer ≥ 0", "array of string", "one of: a, b". */
export function typeText(schema) {
  if (!schema || typeof schema !== "object") return "any";
  if (Array.isArray(schema.enum)) return `one of: ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if ("const" in schema) return `exactly ${JSON.stringify(schema.const)}`;
  let type = Array.isArray(schema.type) ? schema.type.join(" or ") : schema.type;
  for (const key of ["anyOf", "oneOf"]) {
    if (!type && Array.isArray(schema[key])) type = schema[key].map(typeText).join(" or ");
  }
  if (!type) type = schema.properties ? "object" : "any JSON value";
  if (type === "array" && schema.items) type = `array of ${typeText(schema.items)}`;
  return type;
}

/** The limits of a schema as short phrases: "≥ 0", "1–128 characters", "at most 64 items". */
export function constraints(schema) {
  if (!schema || typeof schema !== "object") return [];
  const out = [];
  const range = (min, max, unit) => {
    if (min !== undefined && max !== undefined) out.push(`${min}–${max}${unit}`);
    else if (min !== undefined) out.push(`at least ${min}${unit}`);
    else if (max !== undefined) out.push(`at most ${max}${unit}`);
  };
  range(schema.minLength, schema.maxLength, " characters");
  range(schema.minItems, schema.maxItems, " items");
  if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) out.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) out.push(`≤ ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) out.push(`< ${schema.exclusiveMaximum}`);
  if (schema.pattern) out.push(`matches ${schema.pattern}`);
  if (schema.format) out.push(`format ${schema.format}`);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.uniqueItems) out.push("unique items");
  return out;
}

/** Rows for the arguments table: one per property, nested objects' properties indented under theirs. */
function argumentRows(schema, depth = 0, path = "") {
  const properties = schema && typeof schema.properties === "object" ? schema.properties : {};
  const required = new Set(Array.isArray(schema?.required) ? schema.required : []);
  const rows = [];
  for (const [name, property] of Object.entries(properties)) {
    const full = path ? `${path}.${name}` : name;
    const limits = constraints(property);
    rows.push(h("tr", { "data-argument": full },
      h("td", { class: "arg-name" },
        h("code", { style: depth ? { "padding-left": `${depth * 14}px` } : null }, depth ? `↳ ${name}` : name)),
      h("td", null, h("span", { class: "arg-type" }, typeText(property)),
        limits.length ? h("div", { class: "muted small" }, limits.join(" · ")) : null),
      h("td", null, required.has(name) ? h("span", { class: "pill warn" }, "required") : h("span", { class: "muted small" }, "optional")),
      h("td", null, property && property.description ? property.description : h("span", { class: "muted" }, "—"))));
    const nested = property && property.type === "array" && property.items ? property.items : property;
    if (nested && typeof nested.properties === "object" && depth < 4) {
      rows.push(...argumentRows(nested, depth + 1, property.type === "array" ? `${full}[]` : full));
    }
  }
  return rows;
}

function argumentsTable(schema) {
  const rows = argumentRows(schema);
  if (rows.length === 0) return h("p", { class: "muted small tool-no-args" }, "Takes no arguments.");
  const extra = schema && schema.additionalProperties === false ? null
    : h("p", { class: "muted small" }, "Other arguments are accepted too.");
  return [h("table", { class: "tool-args" },
    h("thead", null, h("tr", null, h("th", { scope: "col" }, "Argument"), h("th", { scope: "col" }, "Type"),
      h("th", { scope: "col" }, "Required"), h("th", { scope: "col" }, "Description"))),
    h("tbody", null, rows)), extra];
}

// MARK: - The view

function toolCard(tool) {
  const agents = Array.isArray(tool.agents) ? tool.agents : [];
  const id = `tool-${tool.name}`;
  return h("article", { class: "panel tool", id, "data-tool": tool.name, "aria-labelledby": `${id}-name` },
    h("header", { class: "tool-head" },
      h("h2", { id: `${id}-name` }, h("code", null, tool.name)),
      h("span", { class: "pill" }, tool.kind || "tool"),
      tool.requires_approval
        ? h("span", { class: "pill warn", title: "Each call waits for the human on the desk" }, "needs approval")
        : h("span", { class: "pill muted" }, "runs without approval")),
    h("p", { class: "tool-description" }, tool.description || h("span", { class: "muted" }, "No description.")),
    h("div", { class: "tool-agents" },
      h("span", { class: "muted small" }, agents.length ? `Used by ${formatCount(agents.length)}: ` : "No agent may use it."),
      agents.length ? agentList(agents) : null),
    h("div", { class: "tool-schema" }, argumentsTable(tool.arguments)),
    h("details", { class: "tool-raw" },
      h("summary", null, "JSON Schema"),
      h("pre", null, JSON.stringify(tool.arguments ?? {}, null, 2))));
}

const AGENTS_SHOWN = 24;

/** The agents as links, the first few only until asked for all. */
function agentList(agents) {
  const list = h("ul", { class: "tool-agent-list" });
  const fill = (count) => replace(list, agents.slice(0, count).map((name) => h("li", null, agentLink(name))),
    agents.length > count ? h("li", null, h("button", { type: "button", class: "link-button",
      onclick: () => { fill(agents.length); list.querySelectorAll("a")[count]?.focus(); } },
    `and ${formatCount(agents.length - count)} more`)) : null);
  fill(AGENTS_SHOWN);
  return list;
}

const filters = { text: "" };

export default {
  id: "tools",
  title: "Tools",
  mount(root, { params, signal }) {
    const list = h("div", { class: "tool-list" });
    const index = h("nav", { class: "tool-index", "aria-label": "Tools" });
    const count = h("span", { class: "muted" });
    const shownNote = h("span", { class: "muted small", role: "status" });
    const filter = h("input", { type: "search", name: "filter", value: filters.text,
      placeholder: "Filter by tool, agent or text", "aria-label": "Filter tools" });
    root.append(
      h("div", { class: "view-head" }, h("h1", null, "Tools ", count), h("div", { class: "row" }, shownNote, filter)),
      h("div", { class: "tools-layout" }, index, list));

    let tools = [];
    let signature = "";
    let drawn = false;
    const cards = new Map();

    function applyFilter() {
      const text = filters.text.trim().toLowerCase();
      let shown = 0;
      for (const tool of tools) {
        const haystack = [tool.name, tool.kind, tool.description, ...(tool.agents || []),
          ...Object.keys(tool.arguments?.properties || {})].join(" ").toLowerCase();
        const visible = !text || haystack.includes(text);
        const card = cards.get(tool.name);
        if (card) card.hidden = !visible;
        const link = index.querySelector(`a[data-tool-link="${CSS.escape(tool.name)}"]`);
        if (link) link.parentElement.hidden = !visible;
        if (visible) shown += 1;
      }
      shownNote.textContent = shown === tools.length ? "" : `${formatCount(shown)} shown`;
    }

    function render(answer) {
      const next = (answer && answer.tools) || [];
      const text = JSON.stringify(next);
      if (text === signature) return;
      signature = text;
      tools = next;
      count.textContent = `(${formatCount(tools.length)})`;
      cards.clear();
      for (const tool of tools) cards.set(tool.name, toolCard(tool));
      replace(list, tools.length ? [...cards.values()] : h("p", { class: "empty" }, "This org has no tools."));
      replace(index, h("ul", null, tools.map((tool) => h("li", null,
        h("a", { href: `#/tools/${encodeURIComponent(tool.name)}`, "data-tool-link": tool.name,
          onclick: (event) => { event.preventDefault(); show(tool.name, true); } },
        tool.name, tool.requires_approval ? h("span", { class: "approval-dot", title: "needs approval" }, " ●") : null)))));
      applyFilter();
      if (!drawn) {
        drawn = true;
        markDrawn("tools");
        if (params[0]) show(params[0], false);
      }
    }

    /** Scrolls to a tool's card and focuses it; `remember` puts it in the address. */
    function show(name, remember) {
      const card = cards.get(name);
      if (!card) return;
      if (remember) history.replaceState(null, "", `#/tools/${encodeURIComponent(name)}`);
      card.hidden = false;
      card.setAttribute("tabindex", "-1");
      card.scrollIntoView({ block: "start" });
      card.focus({ preventScroll: true });
    }

    filter.addEventListener("input", () => { filters.text = filter.value; applyFilter(); }, { signal });
    resources.tools().subscribe(render, signal);
  },
};
