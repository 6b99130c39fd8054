export * from "./rng.ts";
export * from "./special.ts";
export * from "./bon/kl.ts";
export * from "./bon/estimator.ts";
