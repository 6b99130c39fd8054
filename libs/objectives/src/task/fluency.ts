/**
 * Fluency under the true generator: which word bigrams the clean grammar can produce, per category.
 * A completion's fluency is the fraction of its bigrams (with sentence-boundary markers) that the
 * grammar produces; the disfluency channel's stutters and fillers, and anything a drifting policy
 * invents, fall outside it.
 */
import { Rng } from "@goodhart/engine";
import type { TaskCategory } from "./lexicon.ts";
import { sampleClean } from "./generator.ts";
import { allPrompts } from "./prompts.ts";

export const BOS = "<s>";
export const EOS = "</s>";

/** Legal bigrams per category, as "prev next" strings. */
export type BigramTable = ReadonlyMap<TaskCategory, ReadonlySet<string>>;

let cached: BigramTable | null = null;

/** Samples per distinct prompt used to collect the grammar's bigrams (enough to cover them all). */
const SAMPLES_PER_PROMPT = 120;

/**
 * The grammar's bigram table. It does not depend on the task seed (the grammar is fixed), so it is
 * built once per process from a fixed internal seed.
 */
export function grammarBigrams(): BigramTable {
  if (cached) return cached;
  const rng = new Rng("goodhart-builtin-grammar-bigrams");
  const table = new Map<TaskCategory, Set<string>>();
  for (const prompt of allPrompts()) {
    let set = table.get(prompt.category);
    if (!set) table.set(prompt.category, (set = new Set()));
    for (let s = 0; s < SAMPLES_PER_PROMPT; s++) {
      const words = sampleClean(rng, prompt.spec);
      let prev = BOS;
      for (const w of words) {
        set.add(`${prev} ${w}`);
        prev = w;
      }
      set.add(`${prev} ${EOS}`);
    }
  }
  cached = table;
  return table;
}

/** Fraction of a completion's bigrams (BOS and EOS included) the grammar produces, in [0, 1]. */
export function fluencyFraction(category: TaskCategory, words: readonly string[]): number {
  const legal = grammarBigrams().get(category)!;
  let prev = BOS;
  let ok = 0;
  for (const w of words) {
    if (legal.has(`${prev} ${w}`)) ok++;
    prev = w;
  }
  if (legal.has(`${prev} ${EOS}`)) ok++;
  return ok / (words.length + 1);
}
