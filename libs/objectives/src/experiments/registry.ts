/**
 * Run functions by kind, for runners that start an experiment in process (the CLI, tests): each
 * loads the kind's run module (see kinds/registry.ts, the one list of kinds) and calls its `run`.
 */
import { kindRegistry, type KindRegistry } from "../kinds/registry.ts";
import type { ExperimentContext } from "./sink.ts";

/** An experiment: a plain async function of its config and a context (DESIGN.md section 5). */
export type Experiment = (config: unknown, context: ExperimentContext) => Promise<unknown>;

/** The run function of a kind, loaded from its module. */
export async function loadExperiment(kindId: string, registry: KindRegistry = kindRegistry): Promise<Experiment> {
  const { module } = registry.get(kindId);
  const mod = (await import(module)) as { run?: Experiment };
  if (typeof mod.run !== "function") throw new Error(`${module} (kind '${kindId}') does not export run(config, context)`);
  return mod.run;
}

/** Experiments of the built-in kinds, by kind id. */
export const experiments: Readonly<Record<string, Experiment>> = Object.fromEntries(
  kindRegistry
    .list()
    .map((k) => [k.id, async (config: unknown, context: ExperimentContext) => (await loadExperiment(k.id))(config, context)]),
);
