// The org graph view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "graph",
  title: "Org graph",
  mount(root) {
    root.append(h("h1", null, "Org graph"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("graph");
  },
};
