/**
 * The built-in task (DESIGN.md section 5): a seeded world of short texts in four categories, with
 * prompt splits, the true generator, and a programmatic gold reward with named components.
 */
import { Rng, type Seed } from "@goodhart/engine";
import { CATEGORIES, FILLER, type TaskCategory } from "./lexicon.ts";
import { DEFAULT_GENERATOR_OPTIONS, sampleCompletionFor, type GeneratorOptions } from "./generator.ts";
import { goldScore, type GoldScore } from "./gold.ts";
import { DEFAULT_SPLIT_COUNTS, allPrompts, splitPrompts, type SplitCounts, type TaskPrompt } from "./prompts.ts";
import { grammarBigrams } from "./fluency.ts";

export interface TaskOptions {
  /** Prompts per split (defaults: train 2000, validation 200, test 200). */
  prompts?: Partial<SplitCounts>;
  /** Generator knobs (defaults in DEFAULT_GENERATOR_OPTIONS). */
  generator?: Partial<GeneratorOptions>;
}

/** A completion: a word list, or a text of words separated by whitespace. */
export type Completion = readonly string[] | string;

export interface BuiltinTask {
  seed: Seed;
  categories: readonly TaskCategory[];
  prompts: { train: TaskPrompt[]; validation: TaskPrompt[]; test: TaskPrompt[] };
  /** A sample of the true generator for `prompt`, drawing from `rng`. */
  sampleCompletion(rng: Rng, prompt: TaskPrompt): string[];
  /** Gold reward of a completion; `prompt` may be a TaskPrompt or a prompt text of this task. */
  gold(prompt: TaskPrompt | string, completion: Completion): GoldScore;
  /** Finds a prompt of this task by its text; throws for text the task cannot have produced. */
  parsePrompt(text: string): TaskPrompt;
  /** Every word that can appear in a prompt or completion, sorted; punctuation included. */
  vocabulary: readonly string[];
}

/** Splits a completion text into words (any whitespace). */
export function toWords(completion: Completion): readonly string[] {
  return typeof completion === "string" ? completion.split(/\s+/).filter((w) => w.length > 0) : completion;
}

/**
 * Builds the task for a seed. The seed decides the prompt splits and their order; the grammar and
 * the gold judge are the same for every seed.
 */
export function createTask(seed: Seed, options: TaskOptions = {}): BuiltinTask {
  const counts: SplitCounts = { ...DEFAULT_SPLIT_COUNTS, ...options.prompts };
  const generator: GeneratorOptions = { ...DEFAULT_GENERATOR_OPTIONS, ...options.generator };
  for (const [key, value] of Object.entries(generator)) {
    if (!(value >= 0 && value < 1)) throw new RangeError(`createTask: generator.${key} must be a probability in [0, 1); got ${value}`);
  }
  const rng = new Rng(seed).fork("builtin-task");
  const prompts = splitPrompts(rng.fork("prompts"), counts);
  const byText = new Map(allPrompts().map((p) => [p.text, p]));
  const vocabulary = new Set<string>([FILLER]);
  for (const p of byText.values()) p.words.forEach((w) => vocabulary.add(w));
  for (const set of grammarBigrams().values()) {
    for (const bigram of set) for (const w of bigram.split(" ")) if (w !== "<s>" && w !== "</s>") vocabulary.add(w);
  }

  const parsePrompt = (text: string): TaskPrompt => {
    const p = byText.get(toWords(text).join(" "));
    if (!p) throw new RangeError(`built-in task: "${text}" is not a prompt of this task`);
    return p;
  };

  return {
    seed,
    categories: CATEGORIES,
    prompts,
    sampleCompletion: (r, prompt) => sampleCompletionFor(r, prompt.spec, generator),
    gold: (prompt, completion) => goldScore((typeof prompt === "string" ? parsePrompt(prompt) : prompt).spec, toWords(completion)),
    parsePrompt,
    vocabulary: [...vocabulary].sort(),
  };
}
