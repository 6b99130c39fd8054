/**
 * What may be submitted as a best-of-n study: a plain study, or `{study, grid?, options?}` - a
 * study swept over other fields (`grid`: field path -> values, every point validated) with
 * study-wide training options. Forms edit plain studies (the JSON description is the study's);
 * the CLI's --sweep and the service's job planner use the envelope.
 */
import { ConfigError, type ConfigIssue, type Schema, bool, join, list, meta, num, obj, optional, record } from "../../config/validate.ts";
import type { BonStudyOptions } from "../../experiments/bon-study.ts";
import type { RewardTrainingOptions } from "../../experiments/reward-training.ts";
import { deepMerge } from "../../config/paths.ts";
import { sweep } from "../../config/sweep.ts";
import { BON_STUDY_PRESET_LIST } from "./presets.ts";
import { bonStudySchema, type BonStudyConfig } from "./schema.ts";

/** Study-wide options of runBonStudy, as an envelope carries them. */
export type BonStudyJobOptions = BonStudyOptions;

export interface BonStudyJob {
  study: BonStudyConfig;
  grid?: Record<string, unknown[]>;
  options?: BonStudyJobOptions;
}

const positiveInt = () => num({ integer: true, min: 1 });

// Typed as BonStudyOptions: an option added there fails to compile here until it is declared.
const optionsSchema: Schema<BonStudyOptions> = obj<BonStudyOptions>({
  rmTraining: optional(
    obj<RewardTrainingOptions>({
      epochs: optional(meta(positiveInt(), { unit: "epochs" })),
      batchSize: optional(meta(positiveInt(), { unit: "comparisons" })),
      lr: optional(num({ above: 0 })),
      marginScale: optional(num({ min: 0 })),
      centering: optional(num({ min: 0 })),
      weightDecay: optional(num({ min: 0 })),
    }),
  ),
  validationPrompts: optional(meta(positiveInt(), { unit: "prompts" })),
  pretrain: optional(obj({ batchSize: optional(positiveInt()), lr: optional(num({ above: 0 })) })),
  saveMembers: optional(bool()),
  bootstrapReplicates: optional(meta(positiveInt(), { unit: "replicates" })),
  keepSamples: optional(bool()),
  rmWorkers: optional(meta(positiveInt(), { unit: "workers" })),
});

const gridSchema = record(list({ parse: (v) => v, describe: () => ({}) }, { minLength: 1 }), {
  description: "Field path -> values to sweep over.",
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** True for the `{study, grid?, options?}` form (a plain study has no `study` field). */
export function isBonStudyJob(value: unknown): value is BonStudyJob {
  return isObject(value) && isObject(value.study);
}

/** A plain study or an envelope; the JSON description is the plain study's. */
export function bonStudySubmissionSchema(): Schema<BonStudyConfig | BonStudyJob> {
  const study = bonStudySchema();
  const envelope = obj<BonStudyJob>({ study, grid: optional(gridSchema), options: optional(optionsSchema) });
  return {
    describe: () => study.describe(),
    parse(value, path, issues: ConfigIssue[]) {
      if (!isBonStudyJob(value)) return study.parse(value, path, issues);
      // The envelope's study may start from a preset, like a plain study (the registry handles that one).
      const { preset, ...rest } = value.study as unknown as Record<string, unknown>;
      let studyInput: unknown = value.study;
      if (preset !== undefined) {
        const found = BON_STUDY_PRESET_LIST.find((p) => p.name === preset);
        if (!found) {
          issues.push({
            path: join(join(path, "study"), "preset"),
            message: `expected one of ${BON_STUDY_PRESET_LIST.map((p) => `"${p.name}"`).join(", ")}, got ${JSON.stringify(preset)}`,
          });
          return undefined;
        }
        studyInput = deepMerge(found.overrides, rest);
      }
      if (isObject(value.options) && "proxyInit" in value.options) {
        // The option became a field of the study; say where it went rather than "unknown field".
        issues.push({
          path: join(join(path, "options"), "proxyInit"),
          message: `moved to the study: set study.proxy.init to ${JSON.stringify(value.options.proxyInit)} instead`,
        });
        return undefined;
      }
      const job = envelope.parse({ ...value, study: studyInput }, path, issues);
      if (!job || !job.grid || Object.keys(job.grid).length === 0) return job;
      try {
        sweep(job.study, job.grid); // every grid point validated before anything is stored
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const gridPath = join(path, "grid");
        issues.push(...err.issues.map((i) => ({ path: i.path ? `${gridPath}.${i.path}` : gridPath, message: i.message })));
        return undefined;
      }
      return job;
    },
  };
}
