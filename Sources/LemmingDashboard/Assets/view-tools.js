// The tools view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "tools",
  title: "Tools",
  mount(root) {
    root.append(h("h1", null, "Tools"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("tools");
  },
};
