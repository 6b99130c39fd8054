export * from "./estimators.ts";
export { exactTokenKlGraph } from "./graph.ts";
