/**
 * verl rollout dumps (trainer.rollout_data_dir): one JSON object per generated sample with the
 * prompt as the model saw it (`input`), the completion (`output`), the reward it was trained on
 * (`score`) and the training `step`, plus any extra reward fields (kept out). verl writes one file
 * per step (`<step>.jsonl`); several steps concatenated into one file import the same.
 */
import { jsonlObjects } from "./jsonl-log.ts";
import { RunLogError, stepOf } from "./run-log.ts";

export interface RolloutSample {
  step: number;
  /** Position among the step's samples, in file order. */
  index: number;
  prompt: string;
  completion: string;
  /** The tool's reward for the sample (the proxy the policy was optimized against). */
  score: number;
  line: number;
}

/** True when the first object looks like a rollout dump (input, output, score). */
export function isRolloutRecord(record: Record<string, unknown>): boolean {
  return "input" in record && "output" in record && "score" in record;
}

export function parseVerlRollouts(text: string, file: string): RolloutSample[] {
  const perStep = new Map<number, number>();
  return jsonlObjects(text, file).map(({ line, record }) => {
    for (const field of ["input", "output"] as const)
      if (typeof record[field] !== "string")
        throw new RunLogError(file, line, `expected the ${field} text, got ${JSON.stringify(record[field])}`, field);
    const score = typeof record.score === "string" ? Number(record.score) : record.score;
    if (typeof score !== "number" || (Number.isNaN(score) && record.score !== "NaN"))
      throw new RunLogError(file, line, `expected a number, got ${JSON.stringify(record.score)}`, "score");
    if (!("step" in record)) throw new RunLogError(file, line, "no step", "step");
    const step = stepOf(record.step, file, line, "step");
    const index = perStep.get(step) ?? 0;
    perStep.set(step, index + 1);
    return { step, index, prompt: record.input as string, completion: record.output as string, score, line };
  });
}
