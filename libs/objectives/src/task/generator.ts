/**
 * The "true generator" of the built-in task: a probabilistic grammar per category, followed by a
 * disfluency channel (stutters and fillers, as sloppy human text has). Its samples are the base
 * policy's pretraining corpus and, before any policy exists, the base distribution for best-of-n.
 */
import type { Rng } from "@goodhart/engine";
import { ASPECTS, COLORS, FILLER, INTENSIFIERS, LIST_KINDS, NAMES, NEGATIVE_WORDS, NEGATOR, POSITIVE_WORDS } from "./lexicon.ts";
import type { PromptSpec } from "./prompts.ts";

/** Knobs of the generator; the defaults are the task's documented world. */
export interface GeneratorOptions {
  /** Probability that a review adds one more sentence (geometric length). Default 0.5. */
  reviewContinue: number;
  /** Probability that an adjective phrase adds " and ADJ". Default 0.3. */
  adjectiveContinue: number;
  /** Probability that a token is stuttered (emitted twice). Default 0.03. */
  stutter: number;
  /** Probability that a filler ("um") is inserted before a token. Default 0.02. */
  filler: number;
}

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  reviewContinue: 0.5,
  adjectiveContinue: 0.3,
  stutter: 0.03,
  filler: 0.02,
};

/** One adjective phrase: [intensifier] adjective, or "not" + an adjective of the other polarity. */
function adjective(rng: Rng, polarity: 1 | -1): string[] {
  // Mostly on-target words, sometimes the other polarity (mixed reviews happen).
  const aligned = rng.uniform() < 0.8 ? polarity : (-polarity as 1 | -1);
  if (rng.uniform() < 0.15) {
    // Negation: "not bad" says something positive, "not good" something negative.
    return [NEGATOR, rng.choice(aligned > 0 ? NEGATIVE_WORDS : POSITIVE_WORDS)];
  }
  const word = rng.choice(aligned > 0 ? POSITIVE_WORDS : NEGATIVE_WORDS);
  return rng.uniform() < 0.3 ? [rng.choice(INTENSIFIERS), word] : [word];
}

function adjectivePhrase(rng: Rng, polarity: 1 | -1, cont: number): string[] {
  const out = adjective(rng, polarity);
  while (rng.uniform() < cont && out.length < 12) out.push("and", ...adjective(rng, polarity));
  return out;
}

function review(rng: Rng, spec: Extract<PromptSpec, { category: "review" }>, o: GeneratorOptions): string[] {
  const out: string[] = [];
  let sentences = 0;
  do {
    const r = rng.uniform();
    if (sentences === 0 || r < 0.35) {
      out.push(rng.uniform() < 0.5 ? "the" : "this", spec.product, "is", ...adjectivePhrase(rng, spec.polarity, o.adjectiveContinue), ".");
    } else if (r < 0.85) {
      const aspect = spec.focus && rng.uniform() < 0.6 ? spec.focus : rng.choice(ASPECTS);
      out.push("the", aspect, "is", ...adjectivePhrase(rng, spec.polarity, o.adjectiveContinue), ".");
    } else {
      const recommends = rng.uniform() < 0.85 ? spec.polarity > 0 : spec.polarity < 0;
      out.push(...(recommends ? ["i", "recommend", "it", "."] : ["i", "would", "not", "recommend", "it", "."]));
    }
    sentences++;
  } while (sentences < 7 && rng.uniform() < o.reviewContinue);
  return out;
}

function fact(rng: Rng, spec: Extract<PromptSpec, { category: "fact" }>): string[] {
  const wrong = () => rng.choice(COLORS.filter((c) => c !== spec.color));
  const r = rng.uniform();
  let out: string[];
  if (r < 0.55) out = ["the", spec.thing, "is", spec.color, "."];
  else if (r < 0.73) out = ["the", spec.thing, "is", wrong(), "."];
  else if (r < 0.83) out = ["i", "think", "it", "is", rng.uniform() < 0.6 ? spec.color : wrong(), "."];
  else if (r < 0.92) out = ["i", "do", "not", "know", "."];
  else {
    // Hedging by listing several colours: usually includes the right one.
    const colors = rng.shuffle([spec.color, wrong(), wrong()]).slice(0, rng.uniform() < 0.5 ? 2 : 3);
    out = ["the", spec.thing, "is"];
    colors.forEach((c, i) => out.push(...(i === 0 ? [c] : ["or", c])));
    out.push(".");
  }
  if (rng.uniform() < 0.15) out.push("i", "am", "sure", ".");
  return out;
}

function list(rng: Rng, spec: Extract<PromptSpec, { category: "list" }>): string[] {
  const delta = [-1, 0, 1, 2][rng.weightedIndex([0.15, 0.6, 0.15, 0.1])];
  const k = Math.max(1, spec.count + delta);
  const members = LIST_KINDS[spec.kind];
  const others = Object.entries(LIST_KINDS)
    .filter(([kind]) => kind !== spec.kind)
    .flatMap(([, m]) => m);
  const items: string[] = [];
  const unused = rng.shuffle([...members]);
  for (let i = 0; i < k; i++) {
    const r = rng.uniform();
    if (r < 0.07) items.push(rng.choice(others));
    else if (r < 0.12 && items.length > 0) items.push(items[items.length - 1]);
    else items.push(unused.pop() ?? rng.choice(members));
  }
  const out: string[] = rng.uniform() < 0.3 ? ["here", "are", "some", spec.kind, ":"] : [];
  items.forEach((item, i) => {
    if (i > 0) out.push(i === items.length - 1 ? "and" : ",");
    out.push(item);
  });
  out.push(".");
  return out;
}

function greeting(rng: Rng, spec: Extract<PromptSpec, { category: "greeting" }>): string[] {
  const r = rng.uniform();
  const name = r < 0.75 ? spec.name : r < 0.85 ? rng.choice(NAMES.filter((n) => n !== spec.name)) : null;
  const g = rng.uniform();
  const head = g < 0.45 ? ["hello"] : g < 0.8 ? ["hi"] : ["good", "morning"];
  const out = name ? [...head, name, "."] : [...head, "."];
  const extras = [
    ["nice", "to", "meet", "you", "."],
    ["how", "are", "you", "?"],
    ["have", "a", "great", "day", "."],
    ["i", "hope", "you", "are", "well", "."],
  ];
  while (rng.uniform() < 0.45 && out.length < 30) out.push(...rng.choice(extras));
  return out;
}

/** A clean sample of the grammar for a prompt (no disfluencies). */
export function sampleClean(rng: Rng, spec: PromptSpec, options: GeneratorOptions = DEFAULT_GENERATOR_OPTIONS): string[] {
  switch (spec.category) {
    case "review":
      return review(rng, spec, options);
    case "fact":
      return fact(rng, spec);
    case "list":
      return list(rng, spec);
    case "greeting":
      return greeting(rng, spec);
  }
}

/** Passes words through the disfluency channel: stutters ("very very") and fillers ("um"). */
export function addDisfluencies(rng: Rng, words: readonly string[], options: GeneratorOptions = DEFAULT_GENERATOR_OPTIONS): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (rng.uniform() < options.filler) out.push(FILLER);
    out.push(w);
    if (rng.uniform() < options.stutter) out.push(w);
  }
  return out;
}

/** A sample of the true generator: the grammar, then the disfluency channel. */
export function sampleCompletionFor(rng: Rng, spec: PromptSpec, options: GeneratorOptions = DEFAULT_GENERATOR_OPTIONS): string[] {
  return addDisfluencies(rng, sampleClean(rng, spec, options), options);
}
