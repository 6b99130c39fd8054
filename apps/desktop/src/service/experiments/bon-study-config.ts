/**
 * The service-side schema of a best-of-n study config: libs/objectives' own validator decides
 * (so the CLI and the app accept exactly the same files), and its field-path issues become zod
 * issues, which the LabApi boundary reports as `Invalid config ...: <path>: <message>`. An empty
 * config means the `quick-demo` preset, a study small enough to watch live on a laptop.
 */
import { ConfigError, parseBonStudy } from "@goodhart/objectives";
import { z } from "zod";

export const bonStudyConfig = z
  .record(z.string(), z.unknown())
  .default({})
  .transform((value, ctx) => {
    const input = Object.keys(value).length === 0 ? { preset: "quick-demo" } : value;
    try {
      return parseBonStudy(input) as unknown as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) ctx.addIssue({ code: "custom", path: issue.path ? issue.path.split(".") : [], message: issue.message });
      return z.NEVER;
    }
  });

/** One line per parameter, shown beside each field in the Experiment screen. */
export const bonStudyParameters: readonly { path: string; description: string }[] = [
  { path: "preset", description: "Start from a preset: gao-bon-small, coste-ensemble-noise or quick-demo (fields you give override it)." },
  { path: "name", description: "Study name; part of every run id." },
  { path: "task.seed", description: "Seed of the built-in task world (its prompts and their splits)." },
  { path: "task.prompts.train", description: "Training prompts; two base-policy samples each make one gold-labelled comparison." },
  { path: "task.prompts.validation", description: "Validation prompts: gold-labelled pairs for RM accuracy and the normalisation reference." },
  { path: "task.prompts.test", description: "Test prompts available for the best-of-n pools." },
  { path: "basePolicy.layers", description: "Layers of the tiny base policy pretrained on the task's generator (cached by config)." },
  { path: "basePolicy.dModel", description: "Width of the base policy." },
  { path: "basePolicy.heads", description: "Attention heads of the base policy." },
  { path: "basePolicy.pretrainSteps", description: "Pretraining steps of the base policy (done once, then cached)." },
  { path: "proxySizes", description: "Proxy reward-model sizes to train (an axis): name, layers, dModel, heads." },
  { path: "trainingSizes", description: "Comparisons in each proxy's training set (an axis); smaller sets are prefixes of larger ones." },
  { path: "labelNoise", description: "Probability of flipping each training label (an axis); Coste et al. use 0.25." },
  { path: "ensemble.size", description: "k, reward models per proxy, trained with different seeds and data orders (1 = single RM)." },
  { path: "ensemble.aggregations", description: "How members combine: mean, wco (worst case), uwo (mean - lambda x variance)." },
  { path: "bon.poolSize", description: "N, base-policy samples per evaluation prompt; best-of-n is estimated without bias for every n <= N." },
  { path: "bon.ns", description: "The n values to evaluate, or \"default\" (powers of two up to N)." },
  { path: "bon.evalPrompts", description: "Test prompts in the evaluation (each gets a pool of N samples)." },
  { path: "seeds", description: "Seeds (an axis): each run's members derive their seeds and data orders from it." },
];
