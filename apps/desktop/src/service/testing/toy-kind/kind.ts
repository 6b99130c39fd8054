/**
 * A toy experiment kind, for tests only: it proves that a kind declared outside the shared code
 * (its own folder, registered through the registry's constructor option) is validated, listed,
 * expanded, run in a worker and described to the CLI without any other file knowing about it.
 * docs/experiment-kinds.md walks through it as the example of adding a kind.
 */
import { configSchema as c, defineKind } from "@goodhart/objectives";

export interface ToyConfig {
  /** Points on the toy's curve. */
  steps: number;
  /** Where gold peaks, as a fraction of the steps. */
  peak: number;
  shape: { kind: "parabola" | "tent"; height: number };
  tags: string[];
}

export const toySchema = c.obj<ToyConfig>({
  steps: c.meta(c.withDefault(c.num({ integer: true, min: 1, max: 1000 }), 8), { description: "Points on the curve.", unit: "steps" }),
  peak: c.meta(c.withDefault(c.num({ min: 0, max: 1 }), 0.5), {
    description: "Where gold peaks, as a fraction of the steps.",
    unit: "fraction",
  }),
  shape: c.meta(
    c.withDefault(
      c.obj<ToyConfig["shape"]>({
        kind: c.meta(c.withDefault(c.oneOf(["parabola", "tent"]), "parabola"), { description: "Shape of the gold curve." }),
        height: c.meta(c.withDefault(c.num({ above: 0 }), 1), { description: "Gold at the peak.", unit: "reward" }),
      }),
      { kind: "parabola", height: 1 },
    ),
    { description: "The gold curve." },
  ),
  tags: c.meta(c.withDefault(c.list(c.str(), { unique: true }), []), { description: "Free labels, stored with the result." }),
});

export const toyKind = defineKind<ToyConfig>({
  id: "toy.curve",
  title: "Toy curve",
  description: "A curve with a known peak: proxy rises with the step, gold rises then falls.",
  diagnostic: true,
  schema: toySchema,
  presets: [
    {
      name: "toy-tent",
      title: "Tent",
      description: "A tent-shaped gold curve peaking at a quarter of 12 steps.",
      papers: ["(none: a test kind)"],
      datasets: ["builtin"],
      overrides: { steps: 12, peak: 0.25, shape: { kind: "tent" } },
    },
  ],
  defaultPreset: "toy-tent",
  series: [{ pattern: "toy:*", title: "Toy", group: "gold/proxy" }],
  metrics: [{ pattern: "toy.gold", title: "Gold per step", group: "toy", unit: "reward" }],
  views: {
    headline: { type: "bar-at-max-x", title: "Gold at the last step", series: "toy:*", y: "gold", errorBars: "none" },
    panels: [{ type: "curves", title: "Gold and proxy", group: "gold/proxy", x: "x", y: "gold-and-proxy" }],
    summaryColumns: [{ key: "peakStep", title: "Peak step", unit: "steps", source: { result: "peakStep" } }],
  },
  module: new URL("./run.ts", import.meta.url).href,
});
