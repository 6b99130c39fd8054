/**
 * The experiments this library provides, by kind, so a runner (the CLI, the application's worker)
 * can start one from a stored config without knowing its module.
 */
import { runBonStudy } from "./bon-study.ts";
import type { ExperimentContext } from "./sink.ts";

/** An experiment: a plain async function of its config and a context (DESIGN.md section 5). */
export type Experiment = (config: unknown, context: ExperimentContext) => Promise<unknown>;

/** Experiments by kind. */
export const experiments: Readonly<Record<string, Experiment>> = {
  "bon-study": (config, context) => runBonStudy(config, context),
};
