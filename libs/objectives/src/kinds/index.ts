export * from "./kind.ts";
export * from "./registry.ts";
export * from "./bon-study/schema.ts";
export * from "./bon-study/presets.ts";
export { bonStudyKind } from "./bon-study/kind.ts";
export * from "./bon-study/job.ts";
export * from "./help.ts";
