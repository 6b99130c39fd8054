import type { ESLint, Rule } from "eslint";

export declare const noPathOutsideRepo: Rule.RuleModule;
export declare const goodhartPlugin: ESLint.Plugin;
