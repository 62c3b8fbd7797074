// The agent inspector's turns tab: turns newest first, paged and capped, each with its exact prompt
// split into sections by heading (size and token share of each), the raw and parsed reply, the
// contract violations, tool calls with their results, and the entries it read and wrote.
import {
  act, api, coalesce, definitions, entryLink, formatCount, formatCredits, formatDuration, formatTime,
  h, moreButton, pill, plural, pretty, replace, showError,
} from "./core.js";

const enc = encodeURIComponent;

/** How many turns the tab keeps (older ones are dropped; "Load older" pages them back in). */
const TURN_CAP = 100;
const TURN_PAGE = 10;

/** The length of `text` in characters (code points), as the engine counts them. */
function chars(text) {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) count += 1; // a low surrogate ends a pair already counted
  }
  return count;
}

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

export function turnsTab(panel, context) {
  const { name } = context;
  const list = h("div", { class: "turn-list" });
  const note = h("p", { class: "muted small", role: "status" });
  const more = moreButton("Load older turns", (button) => load(button));
  const newest = h("button", { type: "button", class: "small", hidden: true, onclick: () => backToNewest() },
    "Back to the newest turns");
  panel.append(h("div", { class: "panel-head" }, h("h2", null, "Turns"), note, newest), list, more);
  const shown = new Map(); // tick → <details>
  let next = null;
  let pendingOpen = null;
  let loaded = false; // the first page has been asked for
  let movedTo = null; // the tick the list was moved to (a link to an old turn): it stops following then

  function updateNote() {
    const order = movedTo === null ? "newest first" : `from tick ${movedTo} down`;
    note.textContent = shown.size ? `${order} · ${plural(shown.size, "turn")} loaded` : "";
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
    if (movedTo !== null) return; // showing older turns: "Back to the newest turns" follows again
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
    loaded = true;
    if (pendingOpen !== null) openTurn(pendingOpen);
    updateNote();
  });

  /** Opens the turn of `tick`: from the list when shown, else the list moves to it (jumpTo). */
  function openTurn(tick) {
    tick = Number(tick);
    const element = shown.get(tick);
    if (!element) {
      pendingOpen = tick;
      if (loaded) { pendingOpen = null; jumpTo(tick); }
      return;
    }
    pendingOpen = null;
    element.open = true;
    element.scrollIntoView({ block: "start" });
    element.querySelector("summary").focus({ preventScroll: true });
  }

  /** Shows the turns from `tick` down (it stops following the new ones until asked to). */
  async function jumpTo(tick) {
    let answer;
    try {
      answer = await api.get(`/api/agents/${enc(name)}/turns`, { limit: TURN_PAGE, before_tick: tick + 1 });
    } catch (error) { showError(error); return; }
    movedTo = tick;
    shown.clear();
    list.replaceChildren();
    for (const turn of answer.turns || []) {
      const element = turnElement(turn);
      shown.set(turn.tick, element);
      list.append(element);
    }
    next = answer.next_before_tick ?? null;
    newest.hidden = false;
    updateNote();
    if (shown.has(tick)) openTurn(tick);
    else note.textContent = `${name} has no turn at tick ${tick}; older turns below.`;
  }

  function backToNewest() {
    movedTo = null;
    shown.clear();
    list.replaceChildren();
    next = null;
    newest.hidden = true;
    refresh();
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
      : h("ul", { class: "name-list" }, inbox.map((id) => h("li", null, entryLink(id))))),
    subsection("Entries it wrote", entries.length || "none", entries.length === 0
      ? h("p", { class: "muted" }, "None.")
      : h("ul", { class: "name-list" }, entries.map((id) => h("li", null, entryLink(id)))),
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
