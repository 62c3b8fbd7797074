// The messages view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "messages",
  title: "Messages",
  mount(root) {
    root.append(h("h1", null, "Messages"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("messages");
  },
};
