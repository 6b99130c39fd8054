export * from "./rng.ts";
export * from "./special.ts";
export * from "./bon/kl.ts";
export * from "./bon/estimator.ts";
export * from "./ensemble.ts";
export * from "./fits.ts";
export * from "./labels.ts";
export * from "./task/lexicon.ts";
export * from "./task/prompts.ts";
export * from "./task/generator.ts";
export * from "./task/fluency.ts";
export * from "./task/gold.ts";
export * from "./task/task.ts";
// The validator combinators (num, str, list, obj, ...) stay internal; callers need only these.
export { ConfigError, validate, type ConfigIssue, type Schema } from "./config/validate.ts";
export * from "./config/bon-study.ts";
export * from "./config/presets.ts";
export * from "./config/parse.ts";
export * from "./config/sweep.ts";
