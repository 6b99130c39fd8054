/**
 * The built-in task's gold reward: a programmatic judge with named capability components.
 *
 * Each component rewards a real quality of an answer, and several of them punish *overshoot*, which
 * is what a proxy learned from a few noisy comparisons cannot see: a bag-of-words proxy learns
 * "more positive words / more items / more colours / longer = better", because within the base
 * distribution those go with higher gold; gold saturates on them (sentiment is a tanh) and then
 * charges for repetition, excess length, excess or wrong items and disfluency.
 *
 * Components (total = their sum; ranges in brackets):
 *  - sentiment [-1, 1] (reviews; 0 elsewhere): tanh(0.7 * target * sum of word polarities), where
 *    an intensifier (very/really/so) scales the next polar word by 1.5, "not" flips it (a negated
 *    negative counts only half: "not bad" is mild praise), and "recommend" is a polar word.
 *  - informativeness [-1.2, 1]: reviews: product named (0.5) + distinct aspects (0.25 each, up to
 *    2), minus 0.5 if the requested aspect is missing; facts: the right colour (1), minus 0.6 per
 *    wrong colour, x0.8 when hedged ("i think"); lists: distinct valid items / requested count,
 *    minus 0.4 per item beyond the count and per item of another kind; greetings: greeting word
 *    (0.4) + the right name (0.6), minus 0.6 for another name.
 *  - fluency [-2, 0]: 2 * (f - 1), f = fraction of bigrams the clean grammar produces.
 *  - repetition [-2, 0]: -0.25 per extra occurrence of a content word.
 *  - length [-2, 0]: -0.05 per token outside the category's window (review 6-24, fact 4-10,
 *    list 2c-(2c+6) for c requested items, greeting 2-14).
 */
import {
  COLORS,
  FUNCTION_WORDS,
  GREETING_WORDS,
  INTENSIFIERS,
  LIST_KINDS,
  NAMES,
  NEGATIVE_WORDS,
  NEGATOR,
  POSITIVE_WORDS,
  ASPECTS,
} from "./lexicon.ts";
import type { PromptSpec } from "./prompts.ts";
import { fluencyFraction } from "./fluency.ts";

export const GOLD_COMPONENTS = ["sentiment", "informativeness", "fluency", "repetition", "length"] as const;
export type GoldComponent = (typeof GOLD_COMPONENTS)[number];

/** A gold evaluation: the total and each named component (total = sum of components). */
export interface GoldScore {
  total: number;
  components: Record<GoldComponent, number>;
}

const POLARITY = new Map<string, number>([
  ...POSITIVE_WORDS.map((w) => [w, 1] as [string, number]),
  ...NEGATIVE_WORDS.map((w) => [w, -1] as [string, number]),
  ["recommend", 1],
]);
const INTENSIFIER_SET = new Set<string>(INTENSIFIERS);
const COLOR_SET = new Set<string>(COLORS);
const ALL_ITEMS = new Set(Object.values(LIST_KINDS).flat());
const ASPECT_SET = new Set<string>(ASPECTS);
const NAME_SET = new Set<string>(NAMES);

/** Net polarity of a word sequence with negation and intensifiers (see module doc). */
export function netPolarity(words: readonly string[]): number {
  let sum = 0;
  let negated = false;
  let scale = 1;
  for (const w of words) {
    if (w === "." || w === "and" || w === "," || w === "?") {
      negated = false;
      scale = 1;
    } else if (w === NEGATOR) {
      negated = true;
    } else if (INTENSIFIER_SET.has(w)) {
      scale = 1.5;
    } else {
      const p = POLARITY.get(w);
      if (p !== undefined) {
        sum += negated ? (p > 0 ? -p * scale : -0.5 * p * scale) : p * scale;
        negated = false;
        scale = 1;
      }
    }
  }
  return sum;
}

function sentiment(spec: PromptSpec, words: readonly string[]): number {
  if (spec.category !== "review") return 0;
  return Math.tanh(0.7 * spec.polarity * netPolarity(words));
}

function informativeness(spec: PromptSpec, words: readonly string[]): number {
  const has = (w: string) => words.includes(w);
  switch (spec.category) {
    case "review": {
      const aspects = new Set(words.filter((w) => ASPECT_SET.has(w)));
      let v = (has(spec.product) ? 0.5 : 0) + 0.25 * Math.min(aspects.size, 2);
      if (spec.focus && !aspects.has(spec.focus)) v -= 0.5;
      return v;
    }
    case "fact": {
      if (has("know")) return 0;
      const wrong = new Set(words.filter((w) => COLOR_SET.has(w) && w !== spec.color));
      let v = (has(spec.color) ? 1 : 0) - 0.6 * wrong.size;
      if (v > 0 && has("think")) v *= 0.8;
      return v;
    }
    case "list": {
      const members = new Set(LIST_KINDS[spec.kind]);
      const items = words.filter((w) => ALL_ITEMS.has(w));
      const distinctValid = new Set(items.filter((w) => members.has(w))).size;
      const invalid = items.filter((w) => !members.has(w)).length;
      const excess = Math.max(0, items.length - spec.count);
      return Math.min(distinctValid, spec.count) / spec.count - 0.4 * excess - 0.4 * invalid;
    }
    case "greeting": {
      const greets = words.some((w) => (GREETING_WORDS as readonly string[]).includes(w));
      const otherName = words.some((w) => NAME_SET.has(w) && w !== spec.name);
      return (greets ? 0.4 : 0) + (has(spec.name) ? 0.6 : 0) - (otherName ? 0.6 : 0);
    }
  }
}

function repetition(words: readonly string[]): number {
  const counts = new Map<string, number>();
  let extra = 0;
  for (const w of words) {
    if (FUNCTION_WORDS.has(w)) continue;
    const c = (counts.get(w) ?? 0) + 1;
    counts.set(w, c);
    if (c > 1) extra++;
  }
  return extra === 0 ? 0 : Math.max(-2, -0.25 * extra);
}

/** The category's acceptable length window [lo, hi] in tokens. */
export function lengthWindow(spec: PromptSpec): [number, number] {
  switch (spec.category) {
    case "review":
      return [6, 24];
    case "fact":
      return [4, 10];
    case "list":
      return [2 * spec.count, 2 * spec.count + 6];
    case "greeting":
      return [2, 14];
  }
}

function length(spec: PromptSpec, words: readonly string[]): number {
  const [lo, hi] = lengthWindow(spec);
  const outside = words.length < lo ? lo - words.length : words.length > hi ? words.length - hi : 0;
  return outside === 0 ? 0 : Math.max(-2, -0.05 * outside);
}

/** Gold reward of a completion (a word list) for a prompt spec. */
export function goldScore(spec: PromptSpec, words: readonly string[]): GoldScore {
  const components: Record<GoldComponent, number> = {
    sentiment: sentiment(spec, words),
    informativeness: informativeness(spec, words),
    fluency: 2 * (fluencyFraction(spec.category, words) - 1),
    repetition: repetition(words),
    length: length(spec, words),
  };
  let total = 0;
  for (const c of GOLD_COMPONENTS) total += components[c];
  return { total, components };
}
