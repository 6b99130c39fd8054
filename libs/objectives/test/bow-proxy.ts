/**
 * Test oracle only: a linear bag-of-words Bradley-Terry reward model fitted in plain TypeScript.
 * It exists to check the built-in task's design (that a proxy learned from limited noisy
 * comparisons can be exploited); the lab's real proxies are transformers.
 *
 * Features: counts of each completion word, keyed by the prompt's kind (category, and the target
 * polarity for reviews), plus the completion length per kind. Model: P(a > b) = sigmoid(w . (x_a - x_b)),
 * fitted by full-batch gradient descent with momentum on the L2-regularised log-loss.
 */
import type { TaskPrompt } from "../src/task/prompts.ts";

export type SparseVector = Map<number, number>;

export class BowFeatures {
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.index.size;
  }

  /** Feature vector of one (prompt, completion); grows the index when `grow`. */
  vector(prompt: TaskPrompt, words: readonly string[], grow: boolean): SparseVector {
    const kind = prompt.spec.category === "review" ? `review${prompt.spec.polarity > 0 ? "+" : "-"}` : prompt.category;
    const v: SparseVector = new Map();
    const add = (key: string, x: number) => {
      let i = this.index.get(key);
      if (i === undefined) {
        if (!grow) return;
        i = this.index.size;
        this.index.set(key, i);
      }
      v.set(i, (v.get(i) ?? 0) + x);
    };
    for (const w of words) add(`${kind}|${w}`, 1);
    add(`${kind}|#len`, words.length / 10);
    return v;
  }
}

export interface Comparison {
  chosen: SparseVector;
  rejected: SparseVector;
}

/** Fits w by gradient descent on mean log-loss + (l2/2) |w|^2. */
export function fitBradleyTerry(comparisons: readonly Comparison[], dims: number, l2 = 0.01, iterations = 400): Float64Array {
  const w = new Float64Array(dims);
  const velocity = new Float64Array(dims);
  const grad = new Float64Array(dims);
  const diffs = comparisons.map(({ chosen, rejected }) => {
    const d = new Map(chosen);
    for (const [i, x] of rejected) d.set(i, (d.get(i) ?? 0) - x);
    return [...d.entries()].filter(([, x]) => x !== 0);
  });
  const lr = 0.5;
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    for (const d of diffs) {
      let z = 0;
      for (const [i, x] of d) z += w[i] * x;
      const g = -1 / (1 + Math.exp(z)); // d/dz of -ln sigmoid(z)
      for (const [i, x] of d) grad[i] += (g * x) / diffs.length;
    }
    for (let i = 0; i < dims; i++) {
      velocity[i] = 0.9 * velocity[i] - lr * (grad[i] + l2 * w[i]);
      w[i] += velocity[i];
    }
  }
  return w;
}

export function score(w: Float64Array, v: SparseVector): number {
  let s = 0;
  for (const [i, x] of v) s += (w[i] ?? 0) * x;
  return s;
}
