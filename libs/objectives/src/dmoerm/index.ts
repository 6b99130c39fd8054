export * from "./inner-model.ts";
