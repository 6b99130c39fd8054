export * from "./agreement.ts";
export * from "./synthetic.ts";
export * from "./llm-judge.ts";
