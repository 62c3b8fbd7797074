// The overview view (placeholder until it is written).
import { h, markDrawn } from "./core.js";

export default {
  id: "overview",
  title: "Overview",
  mount(root) {
    root.append(h("h1", null, "Overview"), h("p", { class: "muted" }, "This view is being built."));
    markDrawn("overview");
  },
};
