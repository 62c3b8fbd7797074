// The timeline view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "timeline",
  title: "Timeline",
  mount(root) {
    root.append(h("h1", null, "Timeline"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("timeline");
  },
};
