export * from "./inner-model.ts";
export * from "./study.ts";
