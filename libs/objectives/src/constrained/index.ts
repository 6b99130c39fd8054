// Constrained RLHF with composite reward models (docs/constrained-rlhf.md).
export * from "./multipliers.ts";
export { NelderMead, NELDER_MEAD_COEFFICIENTS, minimize as nelderMeadMinimize, type NelderMeadOptions } from "./nelder-mead.ts";
export * from "./surface.ts";
export * from "./methods.ts";
export { trainConstrainedPolicy, type ComponentRewards, type ConstrainedEval, type ConstrainedTrainingConfig } from "./learner.ts";
export * from "./findings.ts";
export * from "./study.ts";
export { constrainedRlhfKind } from "../kinds/constrained/kind.ts";
export { DEFAULT_CONSTRAINED_RLHF, constrainedRlhfSchema, type ConstrainedRlhfConfig } from "../kinds/constrained/schema.ts";
