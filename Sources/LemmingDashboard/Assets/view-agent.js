// The agent view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "agents",
  title: "Agent",
  mount(root) {
    root.append(h("h1", null, "Agent"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("agents");
  },
};
