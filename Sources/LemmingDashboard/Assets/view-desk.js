// The human desk view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "desk",
  title: "Human desk",
  mount(root) {
    root.append(h("h1", null, "Human desk"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("desk");
  },
};
