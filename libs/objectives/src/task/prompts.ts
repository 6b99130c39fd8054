/**
 * Prompts of the built-in task: every distinct prompt is enumerated from templates, then split
 * into train / validation / test pools with no prompt text shared between splits.
 */
import { Rng } from "@goodhart/engine";
import { ASPECTS, CATEGORIES, COUNT_WORDS, LIST_KINDS, NAMES, PRODUCTS, THING_COLORS, type TaskCategory } from "./lexicon.ts";

/** What a prompt asks for; gold is computed from this, never from the words. */
export type PromptSpec =
  | { category: "review"; polarity: 1 | -1; product: string; focus: string | null }
  | { category: "fact"; thing: string; color: string }
  | { category: "list"; kind: string; count: number }
  | { category: "greeting"; name: string };

/** One prompt: its words, its text (words joined by single spaces) and its spec. */
export interface TaskPrompt {
  /** Unique within a task: `<split>-<index>`, or `all-<index>` in `allPrompts`. */
  id: string;
  category: TaskCategory;
  words: readonly string[];
  text: string;
  spec: PromptSpec;
}

function reviewWords(s: Extract<PromptSpec, { category: "review" }>, variant: number): string[] {
  const tone = s.polarity > 0 ? "positive" : "negative";
  const head = variant === 0 ? ["write", "a", tone, "review", "of", "the", s.product] : ["review", "the", s.product, ",", tone];
  return s.focus ? [...head, "about", "the", s.focus] : head;
}

function factWords(s: Extract<PromptSpec, { category: "fact" }>, variant: number): string[] {
  return [
    ["what", "color", "is", "the", s.thing, "?"],
    ["what", "is", "the", "color", "of", "the", s.thing, "?"],
    ["tell", "me", "the", "color", "of", "the", s.thing],
  ][variant];
}

function listWords(s: Extract<PromptSpec, { category: "list" }>, variant: number): string[] {
  return [variant === 0 ? "list" : "name", COUNT_WORDS[s.count], s.kind];
}

function greetingWords(s: Extract<PromptSpec, { category: "greeting" }>, variant: number): string[] {
  return [
    ["say", "hello", "to", s.name],
    ["greet", s.name],
    ["write", "a", "greeting", "for", s.name],
  ][variant];
}

/** Every distinct prompt of the task, in a fixed order (ids `all-<index>`). */
export function allPrompts(): TaskPrompt[] {
  const out: { spec: PromptSpec; words: string[] }[] = [];
  for (const product of PRODUCTS) {
    for (const polarity of [1, -1] as const) {
      for (const focus of [null, ...ASPECTS]) {
        const spec: PromptSpec = { category: "review", polarity, product, focus };
        // Two phrasings, alternated so the count stays moderate.
        out.push({ spec, words: reviewWords(spec, out.length % 2) });
      }
    }
  }
  for (const [thing, color] of Object.entries(THING_COLORS)) {
    for (let v = 0; v < 3; v++) {
      const spec: PromptSpec = { category: "fact", thing, color };
      out.push({ spec, words: factWords(spec, v) });
    }
  }
  for (const kind of Object.keys(LIST_KINDS)) {
    for (const count of [2, 3, 4]) {
      for (let v = 0; v < 2; v++) {
        const spec: PromptSpec = { category: "list", kind, count };
        out.push({ spec, words: listWords(spec, v) });
      }
    }
  }
  for (const name of NAMES) {
    for (let v = 0; v < 3; v++) {
      const spec: PromptSpec = { category: "greeting", name };
      out.push({ spec, words: greetingWords(spec, v) });
    }
  }
  return out.map(({ spec, words }, i) => ({ id: `all-${i}`, category: spec.category, words, text: words.join(" "), spec }));
}

/** How many prompts each split holds. */
export interface SplitCounts {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_SPLIT_COUNTS: SplitCounts = { train: 2000, validation: 200, test: 200 };

/** Fractions of each category's distinct prompts that go to each split's pool. */
const POOL_FRACTIONS = { train: 0.7, validation: 0.15 } as const;

/**
 * Splits the distinct prompts into disjoint pools (stratified by category, shuffled with the seed),
 * then fills each split with `counts[split]` prompts by cycling through its pool in a seeded order.
 * A split larger than its pool repeats prompts (with different ids); no text crosses splits.
 */
export function splitPrompts(rng: Rng, counts: SplitCounts): Record<keyof SplitCounts, TaskPrompt[]> {
  const pools: Record<keyof SplitCounts, TaskPrompt[]> = { train: [], validation: [], test: [] };
  const all = allPrompts();
  for (const category of CATEGORIES) {
    const members = rng.fork(`pool-${category}`).shuffle(all.filter((p) => p.category === category));
    const nTrain = Math.round(members.length * POOL_FRACTIONS.train);
    const nValidation = Math.max(1, Math.round(members.length * POOL_FRACTIONS.validation));
    pools.train.push(...members.slice(0, nTrain));
    pools.validation.push(...members.slice(nTrain, nTrain + nValidation));
    pools.test.push(...members.slice(nTrain + nValidation));
  }
  const result = { train: [], validation: [], test: [] } as Record<keyof SplitCounts, TaskPrompt[]>;
  for (const split of ["train", "validation", "test"] as const) {
    const count = counts[split];
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`prompts.${split}: expected an integer >= 0; got ${count}`);
    const order = rng.fork(`order-${split}`);
    let cycle: TaskPrompt[] = [];
    for (let i = 0; i < count; i++) {
      if (cycle.length === 0) cycle = order.shuffle([...pools[split]]);
      const p = cycle.pop()!;
      result[split].push({ ...p, id: `${split}-${i}` });
    }
  }
  return result;
}
