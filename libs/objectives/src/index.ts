export * from "./rng.ts";
export * from "./special.ts";
export * from "./bon/kl.ts";
export * from "./bon/estimator.ts";
export * from "./ensemble.ts";
export * from "./fits.ts";
export * from "./labels.ts";
