/**
 * The synthetic labeler: labels comparisons of the built-in task by its programmatic gold, overall
 * (the total) or per capability (one gold component), the way Quan 2024's capability labels come
 * from a judge per dimension. Noise is added afterwards by the project's one flipper
 * (`drawLabelFlips`) when the labels become a label set, so clean and noisy sets share their labels.
 */
import { GOLD_COMPONENTS, type GoldComponent } from "../task/gold.ts";
import type { BuiltinTask } from "../task/task.ts";

/** `overall` (the gold total) or one gold component. */
export type LabelDimension = "overall" | GoldComponent;

export const LABEL_DIMENSIONS: readonly LabelDimension[] = ["overall", ...GOLD_COMPONENTS];

/** A comparison to label: a prompt of the built-in task and two responses (texts of words). */
export interface LabelComparison {
  prompt: string;
  responseA: string;
  responseB: string;
}

export type PairPreference = "a" | "b" | "tie";

export function isLabelDimension(name: string): name is LabelDimension {
  return (LABEL_DIMENSIONS as readonly string[]).includes(name);
}

/**
 * Gold preference per comparison on one dimension: the response with the higher score (total or the
 * named component) is preferred; |difference| <= tieTolerance is a tie. A prompt the task cannot
 * have produced is refused, naming the comparison.
 */
export function goldPreferences(
  task: BuiltinTask,
  comparisons: readonly LabelComparison[],
  dimension: LabelDimension,
  tieTolerance = 1e-9,
): PairPreference[] {
  if (!isLabelDimension(dimension))
    throw new RangeError(`synthetic labels: unknown dimension '${dimension}'; expected one of ${LABEL_DIMENSIONS.join(", ")}`);
  return comparisons.map((c, i) => {
    let a: number;
    let b: number;
    try {
      const prompt = task.parsePrompt(c.prompt);
      const ga = task.gold(prompt, c.responseA);
      const gb = task.gold(prompt, c.responseB);
      a = dimension === "overall" ? ga.total : ga.components[dimension];
      b = dimension === "overall" ? gb.total : gb.components[dimension];
    } catch (e) {
      throw new RangeError(`synthetic labels: comparison ${i + 1}: ${(e as Error).message}`);
    }
    return Math.abs(a - b) <= tieTolerance ? "tie" : a > b ? "a" : "b";
  });
}
