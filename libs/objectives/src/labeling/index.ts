export * from "./agreement.ts";
