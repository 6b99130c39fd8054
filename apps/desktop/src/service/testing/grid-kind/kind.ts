/**
 * A test-only kind with grid points (`plan`): each value of `points` is one lab run, reported under
 * its grid-point id, and the study adds a study-level total and a study-level fit. It checks the
 * path rl-study and daa take (kind-adapter.ts) without their minutes of training.
 */
import { configSchema as c, defineKind, type KindGridPoint } from "@goodhart/objectives";

export interface GridToyConfig {
  name: string;
  /** The axis: one run per value. */
  points: number[];
  steps: number;
  /** Points whose first attempt fails (a marker file in markerDir remembers the attempt): a crash to resume from. */
  failOnce: number[];
  /** Where the markers of failOnce live (a test's own folder). */
  markerDir: string | null;
}

export const gridPointId = (config: GridToyConfig, value: number): string => `${config.name}/p${value}`;

export function planGridToy(config: GridToyConfig): KindGridPoint[] {
  return config.points.map((value) => ({
    key: gridPointId(config, value),
    name: `point ${value}`,
    config: { ...config, points: [value] } as unknown as Record<string, unknown>,
  }));
}

export const gridToyKind = defineKind<GridToyConfig>({
  id: "toy.grid",
  title: "Toy grid",
  description: "One run per grid point, a study-level total.",
  diagnostic: true,
  schema: c.obj<GridToyConfig>({
    name: c.withDefault(c.str(), "grid"),
    points: c.withDefault(c.list(c.num({ integer: true, min: 1 }), { minLength: 1, unique: true }), [1, 2, 3]),
    steps: c.withDefault(c.num({ integer: true, min: 1, max: 100 }), 3),
    failOnce: c.withDefault(c.list(c.num({ integer: true, min: 1 })), []),
    markerDir: c.withDefault(c.nullable(c.str()), null),
  }),
  presets: [],
  series: [{ pattern: "toy:*", title: "Toy", group: "toy" }],
  metrics: [{ pattern: "toy.value", title: "Value", group: "toy" }],
  views: { headline: { type: "curves", title: "Toy", group: "toy", x: "x", y: "gold" }, panels: [], summaryColumns: [] },
  plan: planGridToy,
  module: new URL("./run.ts", import.meta.url).href,
});
