// The credits view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "credits",
  title: "Credits",
  mount(root) {
    root.append(h("h1", null, "Credits"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("credits");
  },
};
