// The human desk: what agents addressed to `human` (and what the human sent), a compose form, a
// chat with one agent and the queue of tool calls waiting for approval. All live.
//
// Route: #/desk or #/desk/<query> where <query> may prefill the form (to, reply_to, kind) and
// pick the chat's agent (chat), e.g. #/desk/to=manager&reply_to=00000003-manager-01.
import { ApiError, act, api, agentLink, h, live, markDrawn, replace, resources, showError, toast } from "./core.js";
import {
  clockTime, compareIds, entryText, fetchEntry, fetchNewer, kindPill, participantLink, priorityPill,
  recipientsOf, remember,
} from "./view-messages.js";

const KINDS = ["message", "request", "response", "report", "status"];
const PRIORITIES = ["urgent", "normal", "low"];
const PAGE = 30;
const INBOX_CAP = 300; // rows kept in the inbox list
const CHAT_CAP = 300; // bubbles kept in the chat

/** Decisions taken in this page, by request id: the row waits for approval_resolved. */
const decided = new Map();

export default {
  id: "desk",
  title: "Human desk",
  mount(root, ctx) {
    new Desk(root, ctx).start();
  },
};

// MARK: - A newest-first list merged from several API queries, paged by cursor

/**
 * Entries of several queries merged newest first (the chat merges human → X and X → human).
 * Each source pages on its own cursor; an entry is shown only when no source can still hold a
 * newer one, so the merged order is right however the sources interleave.
 */
class MergedStream {
  constructor(queries) {
    this.sources = queries.map((query) => ({ query, buffer: [], cursor: null, done: false, newest: null }));
  }

  get done() {
    return this.sources.every((source) => source.done && source.buffer.length === 0);
  }

  /** The next `count` older entries, newest first. */
  async older(count) {
    const out = [];
    while (out.length < count) {
      await Promise.all(this.sources.filter((s) => s.buffer.length === 0 && !s.done).map((s) => this.fetch(s)));
      let best = null;
      for (const source of this.sources) {
        if (source.buffer.length > 0 && (!best || compareIds(source.buffer[0].id, best.buffer[0].id) > 0)) best = source;
      }
      if (!best) break;
      out.push(best.buffer.shift());
    }
    return out;
  }

  async fetch(source) {
    const answer = await api.get("/api/messages", { ...source.query, limit: PAGE, before: source.cursor || undefined });
    remember(answer.messages);
    source.buffer.push(...answer.messages);
    if (source.newest === null && answer.messages[0]) source.newest = answer.messages[0].id;
    source.cursor = answer.next_cursor || null;
    if (!source.cursor) source.done = true;
  }

  /** Pages on from `id` (after the rows older than it were dropped). */
  restartBefore(id) {
    for (const source of this.sources) {
      source.buffer = [];
      source.cursor = id;
      source.done = false;
    }
  }

  /** Entries newer than each source's newest, for `counts[i]` announced ones, newest first. */
  async newer(counts) {
    const found = [];
    await Promise.all(this.sources.map(async (source, index) => {
      if (!counts[index]) return;
      const { entries } = await fetchNewer(source.query, source.newest, counts[index]);
      remember(entries);
      if (entries[0]) source.newest = entries[0].id;
      found.push(...entries);
    }));
    return found.sort((a, b) => compareIds(b.id, a.id));
  }
}

// MARK: - The desk

class Desk {
  constructor(root, ctx) {
    this.root = root;
    this.signal = ctx.signal;
    this.prefill = new URLSearchParams(ctx.params && ctx.params[0] ? ctx.params[0] : "");
    this.agents = [];
    this.listeners = [];
    this.tick = null;
    this.inboxMode = "all";
    this.inboxIds = new Set();
    this.chatIds = new Set();
    this.drawnParts = new Set();
    this.approvalRows = new Map();
  }

  start() {
    this.inbox = h("section", { class: "panel desk-inbox", "aria-labelledby": "desk-inbox-title" });
    this.compose = h("section", { class: "panel desk-compose", "aria-labelledby": "desk-compose-title" });
    this.approvals = h("section", { class: "panel desk-approvals", "aria-labelledby": "desk-approvals-title" });
    this.chat = h("section", { class: "panel desk-chat", "aria-labelledby": "desk-chat-title" });
    replace(this.root, h("h1", null, "Human desk"), this.approvals,
      h("div", { class: "desk-grid" }, this.inbox, this.compose), this.chat);
    this.buildApprovals();
    this.buildInbox();
    this.buildCompose();
    this.buildChat();
    resources.status().subscribe((status) => this.onStatus(status), this.signal);
    resources.approvals().subscribe((answer) => this.renderApprovals(answer), this.signal);
    live.subscribe((events) => this.onEvents(events), { types: ["entry_written"], signal: this.signal });
  }

  drawn(part) {
    this.drawnParts.add(part);
    if (this.drawnParts.has("inbox") && this.drawnParts.has("approvals")) markDrawn("desk");
  }

  onStatus(status) {
    this.tick = status.last_committed_tick;
    this.updateExpiries();
    // The lists are redrawn only when the agents change (a redrawn select would close under the user).
    const agents = (status.agents || []).map((agent) => agent.name);
    const heardBy = (status.human && status.human.heard_by) || [];
    const key = agents.join(",") + "|" + heardBy.join(",");
    if (key === this.agentKey) return;
    this.agentKey = key;
    this.agents = agents;
    this.heardBy = new Set(heardBy);
    replace(this.agentList, this.agents.map((name) => h("option", { value: name })));
    this.renderChips();
    this.renderChatPicker();
  }

  onEvents(events) {
    const inboxCounts = [0, 0];
    const chatCounts = [0, 0];
    const agent = this.chatAgent;
    for (const event of events) {
      const recipients = (event.data && event.data.recipients) || [];
      const toHuman = Array.isArray(recipients) && recipients.includes("human");
      if (toHuman) inboxCounts[0] += 1;
      if (event.agent === "human") { inboxCounts[1] += 1; this.clearPending(); }
      if (agent && event.agent === "human" && recipients.includes(agent)) chatCounts[0] += 1;
      if (agent && event.agent === agent && toHuman) chatCounts[1] += 1;
    }
    if (inboxCounts[0] + inboxCounts[1] > 0) this.inboxNewer(inboxCounts);
    if (chatCounts[0] + chatCounts[1] > 0) this.chatNewer(chatCounts);
  }

  // MARK: inbox

  buildInbox() {
    const modes = [["all", "All"], ["received", "To human"], ["sent", "From human"]];
    this.modeButtons = modes.map(([mode, label]) => h("button", { type: "button", role: "tab",
      "aria-selected": mode === this.inboxMode ? "true" : "false", "data-mode": mode,
      onclick: () => this.setInboxMode(mode) }, label));
    this.inboxList = h("div", { class: "desk-list", role: "feed", "aria-label": "Entries to and from human" });
    this.inboxOlder = h("button", { type: "button", onclick: () => this.inboxLoadOlder() }, "Load older");
    this.inboxNote = h("span", { class: "muted small" });
    replace(this.inbox,
      h("div", { class: "desk-head" }, h("h2", { id: "desk-inbox-title" }, "Inbox"),
        h("div", { class: "tabs desk-modes", role: "tablist", "aria-label": "Which entries" }, this.modeButtons)),
      this.inboxList, h("div", { class: "desk-more" }, this.inboxOlder, this.inboxNote));
    this.resetInbox();
  }

  setInboxMode(mode) {
    this.inboxMode = mode;
    for (const button of this.modeButtons) button.setAttribute("aria-selected", String(button.dataset.mode === mode));
    this.resetInbox();
  }

  inboxQueries() {
    return [
      this.inboxMode === "sent" ? null : { recipient: "human" },
      this.inboxMode === "received" ? null : { agent: "human" },
    ];
  }

  resetInbox() {
    const queries = this.inboxQueries();
    this.inboxStream = new MergedStream(queries.filter(Boolean));
    this.inboxSlots = queries.map((query) => (query ? this.inboxStream.sources.find((s) => s.query === query) : null));
    this.inboxIds.clear();
    this.inboxList.replaceChildren();
    this.inboxLoadOlder(true);
  }

  async inboxLoadOlder(first = false) {
    const stream = this.inboxStream;
    this.inboxOlder.disabled = true;
    this.inboxNote.textContent = "loading…";
    try {
      const entries = await stream.older(PAGE);
      if (stream !== this.inboxStream) return;
      const fragment = document.createDocumentFragment();
      for (const entry of entries) {
        if (this.inboxIds.has(entry.id)) continue;
        this.inboxIds.add(entry.id);
        fragment.append(this.inboxRow(entry));
      }
      this.inboxList.append(fragment);
    } catch (error) {
      showError(error);
    } finally {
      if (stream === this.inboxStream) {
        this.inboxOlder.disabled = false;
        this.inboxOlder.hidden = stream.done;
        const empty = this.inboxList.childElementCount === 0;
        this.inboxNote.textContent = empty ? "Nothing yet: what agents address to human shows here."
          : stream.done ? "That is the oldest." : "";
        if (first) this.drawn("inbox");
      }
    }
  }

  /** Fetches the entries that events announced: counts = [to human, from human]. */
  async inboxNewer(counts) {
    this.inboxPending = mergeCounts(this.inboxPending, counts);
    if (this.inboxFetching) return;
    this.inboxFetching = true;
    try {
      while (this.inboxPending) {
        const pending = this.inboxPending;
        this.inboxPending = null;
        const stream = this.inboxStream;
        const slotCounts = stream.sources.map((source) => pending[this.inboxSlots.indexOf(source)] || 0);
        if (slotCounts.every((count) => count === 0)) continue;
        const entries = await stream.newer(slotCounts);
        if (stream !== this.inboxStream) continue;
        for (const entry of entries.reverse()) this.addInboxEntry(entry);
        this.trimInbox();
      }
    } catch (error) {
      showError(error);
    } finally {
      this.inboxFetching = false;
    }
  }

  /** Adds one entry where it belongs (usually on top), if the current mode shows it. */
  addInboxEntry(entry) {
    if (this.inboxIds.has(entry.id)) return;
    const toHuman = Array.isArray(entry.recipients) && entry.recipients.includes("human");
    const fromHuman = entry.agent === "human";
    if ((this.inboxMode === "received" && !toHuman) || (this.inboxMode === "sent" && !fromHuman)) return;
    this.inboxIds.add(entry.id);
    const row = this.inboxRow(entry);
    row.classList.add("fresh");
    let before = this.inboxList.querySelector("[data-entry-id]");
    while (before && compareIds(before.dataset.entryId, entry.id) > 0) {
      before = before.nextElementSibling;
      while (before && !before.dataset.entryId) before = before.nextElementSibling;
    }
    this.inboxList.insertBefore(row, before);
    const placeholder = this.inboxList.querySelector(".empty");
    if (placeholder) placeholder.remove();
    if (this.inboxNote.textContent.startsWith("Nothing")) this.inboxNote.textContent = "";
  }

  /** Keeps at most INBOX_CAP rows as new ones arrive: the oldest go, "load older" brings them back. */
  trimInbox() {
    const rows = this.inboxList.querySelectorAll("[data-entry-id]");
    if (rows.length <= INBOX_CAP) return;
    for (let index = INBOX_CAP; index < rows.length; index += 1) {
      this.inboxIds.delete(rows[index].dataset.entryId);
      rows[index].remove();
    }
    this.inboxStream.restartBefore(rows[INBOX_CAP - 1].dataset.entryId);
    this.inboxOlder.hidden = false;
  }

  inboxRow(entry) {
    const fromHuman = entry.agent === "human";
    const actions = [];
    if (!fromHuman) {
      actions.push(h("button", { type: "button", "data-action": "reply", onclick: () => this.replyTo(entry) }, "Reply"));
      actions.push(h("button", { type: "button", "data-action": "chat", onclick: () => this.openChat(entry.agent) }, "Chat"));
    }
    actions.push(h("a", { class: "button", href: `#/messages/entry=${entry.id}` }, "Thread"));
    return h("article", { class: ["desk-row", fromHuman ? "sent" : "received"], "data-entry-id": entry.id },
      h("div", { class: "msg-head" }, participantLink(entry.agent), " → ", recipientsOf(entry), kindPill(entry.kind),
        (entry.priority || "normal") === "normal" ? null : priorityPill(entry.priority),
        h("time", { class: "msg-when", datetime: entry.created_at }, `tick ${entry.tick} · ${clockTime(entry.created_at)}`)),
      h("div", { class: "desk-text" }, entryText(entry)),
      entry.reply_to ? h("div", { class: "small muted" }, "↩ reply to ",
        h("a", { class: "mono", href: `#/messages/entry=${entry.reply_to}` }, entry.reply_to)) : null,
      h("div", { class: "desk-actions" }, actions));
  }

  /** A row for a message the running engine will write at its next tick (answered 202). */
  addPending(names, text) {
    const row = h("article", { class: "desk-row sent pending", "data-pending": "" },
      h("div", { class: "msg-head" }, h("strong", null, "human"), " → ", names.join(", "),
        h("span", { class: "pill warn" }, "queued"), h("span", { class: "msg-when" }, "written at the next tick")),
      h("div", { class: "desk-text" }, text));
    this.inboxList.prepend(row);
  }

  clearPending() {
    for (const row of this.inboxList.querySelectorAll("[data-pending]")) row.remove();
  }

  replyTo(entry) {
    const form = this.form;
    form.elements.to.value = entry.agent;
    form.elements.reply_to.value = entry.id;
    if (entry.kind === "request" || entry.kind === "approval_request") form.elements.kind.value = "response";
    this.showReplyPreview();
    this.renderChips();
    form.scrollIntoView({ block: "nearest" });
    form.elements.text.focus();
  }

  // MARK: compose

  buildCompose() {
    const error = (name) => h("p", { class: "desk-error error small", "data-error-for": name, role: "alert" });
    this.agentList = h("datalist", { id: "desk-agents" });
    this.chips = h("div", { class: "desk-chips", "aria-label": "Agents that read human" });
    this.replyPreview = h("div", { class: "desk-reply-preview small muted", hidden: true });
    this.forceButton = h("button", { type: "button", class: "small", hidden: true,
      onclick: () => this.send(true) }, "Send anyway");
    this.form = h("form", { "data-action": "send", class: "desk-form", novalidate: true,
      onsubmit: (event) => { event.preventDefault(); this.send(false); } },
    h("label", null, "To",
      h("input", { name: "to", list: "desk-agents", autocomplete: "off", spellcheck: "false", required: true,
        placeholder: "agent, or several: a, b", "aria-describedby": "desk-to-help",
        oninput: () => this.renderChips() })),
    this.agentList,
    h("div", { id: "desk-to-help", class: "small muted" }, "Agents that read human: ", this.chips),
    error("to"), this.forceButton,
    h("div", { class: "desk-row2" },
      h("label", null, "Kind", h("select", { name: "kind" }, KINDS.map((kind) => h("option", { value: kind }, kind)))),
      h("label", null, "Priority", h("select", { name: "priority" },
        PRIORITIES.map((p) => h("option", { value: p, selected: p === "normal" ? true : null }, p)))),
      h("label", { class: "desk-reply" }, "Reply to",
        h("input", { name: "reply_to", autocomplete: "off", spellcheck: "false", placeholder: "entry id (optional)",
          onchange: () => this.showReplyPreview() }))),
    error("kind"), error("priority"), error("reply_to"), this.replyPreview,
    h("label", null, "Text", h("textarea", { name: "text", rows: 5, required: true,
      onkeydown: (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); this.send(false); }
      } })),
    error("text"), error("form"),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Send"),
      h("button", { type: "button", onclick: () => this.resetForm() }, "Clear"),
      h("span", { class: "small muted" }, "Ctrl+Enter sends")));
    replace(this.compose, h("h2", { id: "desk-compose-title" }, "Compose"), this.form);
    const p = this.prefill;
    if (p.get("to")) this.form.elements.to.value = p.get("to");
    if (p.get("reply_to")) this.form.elements.reply_to.value = p.get("reply_to");
    if (KINDS.includes(p.get("kind"))) this.form.elements.kind.value = p.get("kind");
    if (p.get("reply_to")) { this.showReplyPreview(); this.form.elements.text.focus(); }
  }

  renderChips() {
    if (!this.chips) return;
    const names = this.agents.filter((name) => this.heardBy && this.heardBy.has(name));
    const chosen = new Set(splitNames(this.form.elements.to.value));
    replace(this.chips, names.length === 0 ? h("span", null, "none (sending needs “Send anyway”)")
      : names.map((name) => h("button", { type: "button", class: "chip", "aria-pressed": chosen.has(name) ? "true" : "false",
        onclick: () => this.toggleRecipient(name) }, name)));
  }

  toggleRecipient(name) {
    const names = splitNames(this.form.elements.to.value);
    const next = names.includes(name) ? names.filter((n) => n !== name) : [...names, name];
    this.form.elements.to.value = next.join(", ");
    this.renderChips();
  }

  async showReplyPreview() {
    const id = this.form.elements.reply_to.value.trim();
    this.replyPreview.hidden = !id;
    if (!id) return;
    replace(this.replyPreview, "replying to ", h("span", { class: "mono" }, id), "…");
    try {
      const entry = await fetchEntry(id);
      if (this.form.elements.reply_to.value.trim() !== id) return;
      replace(this.replyPreview, entry
        ? ["↩ ", h("strong", null, entry.agent), `: ${truncate(entryText(entry), 140)}`]
        : h("span", { class: "error" }, `No entry ${id}.`),
      " ", h("button", { type: "button", class: "small", onclick: () => {
        this.form.elements.reply_to.value = "";
        this.showReplyPreview();
      } }, "Not a reply"));
    } catch {
      replace(this.replyPreview, `replying to ${id}`);
    }
  }

  clearErrors() {
    for (const slot of this.form.querySelectorAll("[data-error-for]")) slot.textContent = "";
    for (const field of this.form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    this.forceButton.hidden = true;
  }

  fieldError(field, message) {
    const name = this.form.elements[field] ? field : "form";
    this.form.querySelector(`[data-error-for="${name}"]`).textContent = message;
    if (this.form.elements[field]) this.form.elements[field].setAttribute("aria-invalid", "true");
  }

  resetForm() {
    this.form.reset();
    this.clearErrors();
    this.showReplyPreview();
    this.renderChips();
  }

  async send(force) {
    const form = this.form;
    this.clearErrors();
    const names = splitNames(form.elements.to.value);
    const text = form.elements.text.value;
    if (names.length === 0) { this.fieldError("to", "Name at least one agent."); form.elements.to.focus(); return; }
    if (!text.trim()) { this.fieldError("text", "Write something to send."); form.elements.text.focus(); return; }
    const body = { text, kind: form.elements.kind.value, priority: form.elements.priority.value };
    const replyTo = form.elements.reply_to.value.trim();
    if (replyTo) body.reply_to = replyTo;
    if (force) body.force = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answers = await postMessage(body, names);
      const failed = answers.filter((answer) => answer.error);
      for (const answer of answers.filter((a) => !a.error)) this.afterSend(answer, text);
      if (failed.length > 0) {
        this.showSendError(failed[0].error, failed.map((answer) => answer.to));
        if (failed.length < answers.length) {
          form.elements.to.value = failed.map((answer) => answer.to).join(", ");
          this.renderChips();
        }
        return;
      }
      toast(`Sent to ${names.join(", ")}`, "ok");
      form.elements.text.value = "";
      if (replyTo) form.elements.kind.value = "message";
      form.elements.reply_to.value = "";
      this.showReplyPreview();
      form.elements.text.focus();
    } finally {
      button.disabled = false;
    }
  }

  showSendError(error, names) {
    if (!(error instanceof ApiError)) { this.fieldError("form", error.message || String(error)); return; }
    let field = error.field;
    // An unknown recipient is a 404 without a field: it is still about `to`.
    if (!field && error.status === 404 && /agent/.test(error.message)) field = "to";
    const prefix = names.length > 0 && field === "to" && names.length > 1 ? `${names.join(", ")}: ` : "";
    this.fieldError(field || "form", prefix + error.message.replace(/; "force": true sends anyway$/, ""));
    if (error.code === "not_listening") this.forceButton.hidden = false;
    if (field && this.form.elements[field]) this.form.elements[field].focus();
  }

  async afterSend(answer, text) {
    if (answer.status === "queued" || !answer.id) {
      this.addPending([answer.to], text);
      return;
    }
    try {
      const entry = await fetchEntry(answer.id);
      if (entry) {
        this.addInboxEntry(entry);
        if (this.chatAgent && entry.recipients && entry.recipients.includes(this.chatAgent)) this.addBubble(entry);
      }
    } catch (error) {
      showError(error);
    }
  }

  // MARK: chat with one agent

  buildChat() {
    this.chatPicker = h("select", { name: "agent", "aria-label": "Agent", onchange: (event) => this.openChat(event.target.value, false) });
    this.chatLog = h("div", { class: "chat-log", role: "log", "aria-label": "Conversation", tabindex: "0" });
    this.chatEarlier = h("button", { type: "button", class: "small", onclick: () => this.chatLoadOlder() }, "Load earlier");
    this.chatNotice = h("p", { class: "small muted chat-notice" });
    this.chatError = h("p", { class: "error small", role: "alert" });
    this.chatForm = h("form", { class: "chat-form", "data-action": "chat-send",
      onsubmit: (event) => { event.preventDefault(); this.chatSend(); } },
    h("textarea", { name: "text", rows: 2, "aria-label": "Message", placeholder: "Write to the agent… (Enter sends, Shift+Enter: new line)",
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); this.chatSend(); }
      } }),
    h("button", { type: "submit", class: "primary" }, "Send"));
    replace(this.chat,
      h("div", { class: "desk-head" }, h("h2", { id: "desk-chat-title" }, "Chat with"), this.chatPicker,
        h("span", { class: "small muted" }, "what human and this agent said to each other")),
      h("div", { class: "chat-box" }, h("div", { class: "chat-top" }, this.chatEarlier), this.chatLog),
      this.chatNotice, this.chatForm, this.chatError);
  }

  renderChatPicker() {
    const current = this.chatAgent || this.prefill.get("chat") || [...(this.heardBy || [])][0] || this.agents[0];
    replace(this.chatPicker, this.agents.map((name) => h("option", { value: name, selected: name === current ? true : null }, name)));
    if (current && current !== this.chatAgent) this.openChat(current, false);
    this.updateChatNotice();
  }

  updateChatNotice() {
    const agent = this.chatAgent;
    this.chatNotice.textContent = agent && this.heardBy && !this.heardBy.has(agent)
      ? `${agent} does not read human: what you send here is written anyway (force) but it will not see it.` : "";
  }

  openChat(agent, scroll = true) {
    if (!agent) return;
    if (this.chatPicker.value !== agent) this.chatPicker.value = agent;
    if (scroll) { this.chat.scrollIntoView({ block: "start" }); this.chatForm.elements.text.focus({ preventScroll: true }); }
    if (agent === this.chatAgent) return;
    this.chatAgent = agent;
    this.chatStream = new MergedStream([{ agent: "human", recipient: agent }, { agent, recipient: "human" }]);
    this.chatIds.clear();
    this.chatLog.replaceChildren();
    this.chatError.textContent = "";
    this.updateChatNotice();
    this.chatLoadOlder(true);
  }

  async chatLoadOlder(first = false) {
    const stream = this.chatStream;
    this.chatEarlier.disabled = true;
    try {
      const entries = await stream.older(PAGE);
      if (stream !== this.chatStream) return;
      const height = this.chatLog.scrollHeight;
      const fragment = document.createDocumentFragment();
      for (const entry of entries.reverse()) {
        if (this.chatIds.has(entry.id)) continue;
        this.chatIds.add(entry.id);
        fragment.append(this.bubble(entry));
      }
      this.chatLog.prepend(fragment);
      if (first) this.chatLog.scrollTop = this.chatLog.scrollHeight;
      else this.chatLog.scrollTop += this.chatLog.scrollHeight - height;
      if (this.chatLog.childElementCount === 0) {
        this.chatLog.append(h("p", { class: "empty" }, `Nothing between human and ${this.chatAgent} yet.`));
      }
    } catch (error) {
      showError(error);
    } finally {
      if (stream === this.chatStream) {
        this.chatEarlier.disabled = false;
        this.chatEarlier.hidden = stream.done;
      }
    }
  }

  /** Fetches the entries that events announced: counts = [human → agent, agent → human]. */
  async chatNewer(counts) {
    this.chatPending = mergeCounts(this.chatPending, counts);
    if (this.chatFetching) return;
    this.chatFetching = true;
    try {
      while (this.chatPending) {
        const pending = this.chatPending;
        this.chatPending = null;
        const stream = this.chatStream;
        if (!stream) continue;
        const entries = await stream.newer(pending);
        if (stream !== this.chatStream) continue;
        for (const entry of entries.reverse()) this.addBubble(entry);
      }
    } catch (error) {
      showError(error);
    } finally {
      this.chatFetching = false;
    }
  }

  addBubble(entry) {
    if (this.chatIds.has(entry.id)) return;
    this.chatIds.add(entry.id);
    const log = this.chatLog;
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 30;
    log.querySelector(".empty")?.remove();
    let after = log.lastElementChild;
    while (after && after.dataset.chatEntryId && compareIds(after.dataset.chatEntryId, entry.id) > 0) after = after.previousElementSibling;
    const bubble = this.bubble(entry);
    if (after) after.after(bubble); else log.prepend(bubble);
    if (log.childElementCount > CHAT_CAP) {
      while (log.childElementCount > CHAT_CAP) {
        this.chatIds.delete(log.firstElementChild.dataset.chatEntryId);
        log.firstElementChild.remove();
      }
      this.chatStream.restartBefore(log.firstElementChild.dataset.chatEntryId);
      this.chatEarlier.hidden = false;
    }
    if (atBottom || entry.agent === "human") log.scrollTop = log.scrollHeight;
  }

  bubble(entry) {
    const mine = entry.agent === "human";
    return h("div", { class: ["bubble", mine ? "mine" : "theirs"], "data-chat-entry-id": entry.id },
      h("div", { class: "bubble-head small" }, mine ? "you" : entry.agent,
        entry.kind === "message" ? null : [" · ", entry.kind],
        (entry.priority || "normal") === "normal" ? null : [" · ", entry.priority],
        h("time", { datetime: entry.created_at }, ` · tick ${entry.tick} · ${clockTime(entry.created_at)}`)),
      h("div", { class: "bubble-text" }, entryText(entry)),
      mine ? null : h("button", { type: "button", class: "link small", onclick: () => this.replyTo(entry) }, "Reply in the form"));
  }

  async chatSend() {
    const agent = this.chatAgent;
    const field = this.chatForm.elements.text;
    const text = field.value;
    this.chatError.textContent = "";
    if (!agent || !text.trim()) return;
    const force = this.heardBy && !this.heardBy.has(agent);
    const button = this.chatForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const [answer] = await postMessage({ text, kind: "message", priority: "normal", force: force || undefined }, [agent]);
      if (answer.error) { this.chatError.textContent = answer.error.message; return; }
      field.value = "";
      if (answer.status === "queued" || !answer.id) {
        this.chatError.textContent = "";
        this.chatNotice.textContent = "Queued: the running engine writes it at its next tick.";
      }
      this.afterSend(answer, text);
    } finally {
      button.disabled = false;
      field.focus();
    }
  }

  // MARK: approvals

  buildApprovals() {
    this.approvalsCount = h("span", { class: "pill muted" }, "0");
    this.approvalsList = h("div", { class: "approvals-list" });
    replace(this.approvals,
      h("div", { class: "desk-head" }, h("h2", { id: "desk-approvals-title" }, "Waiting for approval"), this.approvalsCount),
      this.approvalsList);
  }

  renderApprovals(answer) {
    const pending = (answer && answer.approvals) || [];
    const ids = new Set(pending.map((request) => request.request));
    for (const [id, row] of this.approvalRows) {
      if (!ids.has(id)) { row.remove(); this.approvalRows.delete(id); decided.delete(id); }
    }
    let previous = null;
    for (const request of pending) {
      let row = this.approvalRows.get(request.request);
      if (!row) {
        row = this.approvalRow(request);
        this.approvalRows.set(request.request, row);
      }
      // Rows stay in place when they can (moving one would take the focus from its reason field).
      if (previous ? previous.nextElementSibling !== row : this.approvalsList.firstElementChild !== row) {
        if (previous) previous.after(row); else this.approvalsList.prepend(row);
      }
      previous = row;
    }
    this.approvalsList.querySelector(".empty")?.remove();
    if (pending.length === 0) this.approvalsList.append(h("p", { class: "empty" }, "No tool call waits for approval."));
    this.approvalsCount.textContent = String(pending.length);
    this.approvalsCount.className = `pill ${pending.length > 0 ? "warn" : "muted"}`;
    this.approvals.classList.toggle("has-pending", pending.length > 0);
    this.updateExpiries();
    this.drawn("approvals");
  }

  approvalRow(request) {
    const id = request.request;
    const reason = h("input", { name: "reason", autocomplete: "off", placeholder: "optional; the agent sees it",
      "aria-label": `Reason for ${request.tool} by ${request.agent}` });
    const status = h("p", { class: "approval-status small", role: "status" });
    const approve = h("button", { type: "button", class: "primary", "data-action": "approve",
      onclick: () => this.decide(id, true, reason, row) }, "Approve");
    const deny = h("button", { type: "button", class: "danger", "data-action": "deny",
      onclick: () => this.decide(id, false, reason, row) }, "Deny");
    const expiry = h("span", { class: "approval-expiry", "data-expires": String(request.expires_after_tick) });
    const row = h("article", { class: "approval", "data-approval-id": id },
      h("div", { class: "approval-head" },
        h("code", { class: "approval-tool" }, request.tool), " by ", agentLink(request.agent),
        h("span", { class: "small muted" }, ` · asked at tick ${request.tick} · `), expiry,
        h("a", { class: "small mono approval-id", href: `#/messages/entry=${id}` }, id)),
      h("pre", { class: "approval-args" }, JSON.stringify(request.args, null, 2)),
      h("div", { class: "approval-actions" }, h("label", null, "Reason", reason), approve, deny),
      status);
    const previous = decided.get(id);
    if (previous) this.markDecided(row, previous);
    return row;
  }

  updateExpiries() {
    for (const span of this.approvalsList?.querySelectorAll("[data-expires]") || []) {
      const last = Number(span.dataset.expires);
      const left = this.tick === null ? null : last - this.tick;
      span.textContent = `expires after tick ${last}` + (left === null ? "" : left <= 0 ? " (last chance)" : ` (${left} tick${left === 1 ? "" : "s"} left)`);
      span.classList.toggle("soon", left !== null && left <= 2);
    }
  }

  async decide(id, approve, reasonField, row) {
    const buttons = row.querySelectorAll("button");
    for (const button of buttons) button.disabled = true;
    const status = row.querySelector(".approval-status");
    status.textContent = approve ? "approving…" : "denying…";
    status.classList.remove("error");
    const reason = reasonField.value.trim();
    try {
      const answer = await api.post(`/api/approvals/${encodeURIComponent(id)}/${approve ? "approve" : "deny"}`,
        reason ? { reason } : {});
      const decision = { approve, queued: answer && answer.status === "queued" };
      decided.set(id, decision);
      this.markDecided(row, decision);
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      status.textContent = error.message;
      status.classList.add("error");
      if (error instanceof ApiError && error.status === 404) resources.approvals().invalidate();
    }
  }

  markDecided(row, decision) {
    for (const control of row.querySelectorAll("button, input")) control.disabled = true;
    row.classList.add(decision.approve ? "approved" : "denied");
    row.querySelector(".approval-status").textContent = decision.approve
      ? "Approved: the call runs at the next tick." : "Denied: the agent is told at the next tick.";
  }
}

// MARK: - Helpers

/** The names of a "to" field: "a, b c" → ["a", "b", "c"], without repeats. */
function splitNames(text) {
  return [...new Set(String(text || "").split(/[\s,;]+/).map((name) => name.trim()).filter(Boolean))];
}

function truncate(text, length) {
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

function mergeCounts(a, b) {
  if (!a) return b.slice();
  return a.map((count, index) => count + (b[index] || 0));
}

let recipientList = null;

/** Whether POST /api/messages takes `to` as a list (its OpenAPI schema says so); asked once. */
async function acceptsRecipientList() {
  if (recipientList === null) {
    recipientList = api.get("/api/openapi.json").then((document) => {
      const to = document?.paths?.["/api/messages"]?.post?.requestBody?.content?.["application/json"]?.schema?.properties?.to;
      return JSON.stringify(to || {}).includes("array");
    }, () => false);
  }
  return recipientList;
}

/**
 * Sends as human to one or several agents: several in one entry when the API takes `to` as a
 * list, else one entry per agent. Resolves to one answer per request: { to, status, id } or
 * { to, error }.
 */
async function postMessage(body, names) {
  const one = async (to) => {
    const label = Array.isArray(to) ? to.join(", ") : to;
    try {
      const answer = await api.post("/api/messages", { ...body, to });
      return { to: label, status: answer.status, id: answer.id };
    } catch (error) {
      return { to: label, error };
    }
  };
  if (names.length === 1) return [await one(names[0])];
  if (await acceptsRecipientList()) return [await one(names)];
  const answers = [];
  for (const name of names) answers.push(await one(name));
  return answers;
}
