/**
 * A preference dataset as the dataset task uses it: labelled pairs, and the deterministic split
 * the Gao/Coste protocol needs on real data - a held-out split no reward model trains on (gold's
 * and the proxies' validation, and the prompts best-of-n is evaluated on) and a training split
 * (gold trains on all of it, each proxy on a seeded prefix).
 */
import { hash64 } from "@goodhart/engine";

/** One annotator's label of a pair, as the lab stores it (`a` = responseA preferred). */
export interface Judgment {
  /** The annotator the file named (a column such as `annotator3`, a judge model); `#k` (the k-th label of the pair, from 1) when it named none. */
  annotator: string;
  preferred: "a" | "b" | "tie";
}

/** An imported example with one label, as the lab stores it (pairs only; `a` = responseA preferred). */
export interface LabelledExample {
  /** Example id in the lab (stable: the split is decided by it). */
  id: number;
  prompt: string;
  responseA: string;
  responseB: string;
  preferred: "a" | "b" | "tie";
  /** `train`/`test`/... when the file said (a sharded Hub dataset); a file's own test split stays held out. */
  split?: string | null;
  /**
   * Every label of the pair, one per annotator, in the order they were stored, when the pair has
   * more than one (a multi-annotator dataset); `preferred` is still the first. Agreement-based gold
   * (annotator-panel.ts) reads these.
   */
  judgments?: Judgment[];
}

/** One comparison: the preferred and the other response to a prompt. */
export interface DatasetPair {
  id: number;
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface DatasetSplits {
  /** Gold trains on all of these; proxies on prefixes of a seeded order of them. */
  train: DatasetPair[];
  /** No reward model trains on these: validation accuracy, the normalisation reference, evaluation prompts. */
  heldOut: DatasetPair[];
  /** Distinct prompts of the held-out split, in a seeded order: best-of-n is evaluated on them. */
  evalPrompts: string[];
  /** Ties and examples without a label, dropped. */
  dropped: number;
}

/** Pairs from labelled examples: the preferred response becomes `chosen`; ties are dropped. */
export function toPairs(examples: readonly LabelledExample[]): { pairs: DatasetPair[]; dropped: number } {
  const pairs: DatasetPair[] = [];
  let dropped = 0;
  for (const e of examples) {
    if (e.preferred === "tie") {
      dropped++;
      continue;
    }
    const [chosen, rejected] = e.preferred === "a" ? [e.responseA, e.responseB] : [e.responseB, e.responseA];
    pairs.push({ id: e.id, prompt: e.prompt, chosen, rejected });
  }
  return { pairs, dropped };
}

/** A number in [0, 1) fixed by the seed and the prompt text: the split does not depend on row order or ids. */
function unit(seed: number, prompt: string, label: string): number {
  return Number(hash64(`${seed}/${label}/${prompt}`) % 1_000_000n) / 1_000_000;
}

/**
 * Whether a pair is held out: the file's own test/validation split always is, its train split
 * never; otherwise `heldOutFraction` of the prompts, by a hash of the seed and the prompt text.
 */
export function isHeldOut(
  prompt: string,
  fileSplit: string | null | undefined,
  options: { seed: number; heldOutFraction: number },
): boolean {
  return (
    fileSplit === "test" ||
    fileSplit === "validation" ||
    fileSplit === "valid" ||
    fileSplit === "dev" ||
    fileSplit === "eval" ||
    (fileSplit !== "train" && unit(options.seed, prompt, "held-out") < options.heldOutFraction)
  );
}

/** Distinct prompts of held-out pairs in a seeded order (best-of-n evaluates the first ones). */
export function evaluationPrompts(heldOut: readonly DatasetPair[], seed: number): string[] {
  return [...new Set(heldOut.map((p) => p.prompt))].sort(
    (a, b) => unit(seed, a, "eval") - unit(seed, b, "eval") || (a < b ? -1 : a > b ? 1 : 0),
  );
}

/** heldOutFraction must leave both sides something. */
export function checkHeldOutFraction(heldOutFraction: number): void {
  if (!(heldOutFraction > 0 && heldOutFraction < 1))
    throw new RangeError(`dataset task: heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
}

/**
 * Splits labelled examples: those the file marks as a test/validation split are held out; of the
 * rest, `heldOutFraction` of the prompts (by a hash of seed and prompt text) are held out too. Every pair of one
 * prompt goes to the same side, so no evaluation prompt is seen in training.
 */
export function splitDataset(examples: readonly LabelledExample[], options: { seed: number; heldOutFraction: number }): DatasetSplits {
  checkHeldOutFraction(options.heldOutFraction);
  const { pairs, dropped } = toPairs(examples);
  const splitOf = new Map(examples.map((e) => [e.id, e.split ?? null]));
  const train: DatasetPair[] = [];
  const heldOut: DatasetPair[] = [];
  for (const p of pairs) {
    (isHeldOut(p.prompt, splitOf.get(p.id), options) ? heldOut : train).push(p);
  }
  if (train.length === 0 || heldOut.length === 0)
    throw new RangeError(
      `dataset task: the split left ${train.length} training and ${heldOut.length} held-out pairs; the dataset needs both (it has ${pairs.length} labelled pairs)`,
    );
  return { train, heldOut, evalPrompts: evaluationPrompts(heldOut, options.seed), dropped };
}
