/**
 * The `task.dataset` block every kind that can run on an imported dataset shares (bon-study, daa):
 * which dataset, how it is tokenized and split, and the gold reward model trained on its labels
 * (task/dataset/). One definition, so the fields, defaults and picker are the same in every kind.
 */
import { type ConfigIssue, type Schema, meta, num, obj, optional, str } from "../config/validate.ts";
import type { DatasetTaskConfig, ModelSize } from "./bon-study/schema.ts";
import { field, positiveInt } from "./common-fields.ts";

/** The optional `dataset` block of a task; `modelSize` is the kinds' transformer-size schema (for gold). */
export function datasetTaskBlock(modelSize: Schema<ModelSize>): Schema<DatasetTaskConfig | undefined> {
  return meta(
    optional(
      obj<DatasetTaskConfig>({
        datasetId: meta(positiveInt(), { description: "Id of the imported dataset (goodhart datasets list).", picker: "dataset" }),
        tokenizer: field(str(), "byte", {
          description: '"byte" for the byte-level tokenizer, or the path of a Hugging Face tokenizer.json.',
        }),
        heldOutFraction: field(num({ above: 0, below: 1 }), 0.15, {
          description: "Fraction of prompts held out from every reward model.",
          unit: "fraction",
        }),
        maxPromptTokens: field(positiveInt(4096), 128, { description: "Prompts keep their last this many tokens.", unit: "tokens" }),
        maxResponseTokens: field(positiveInt(4096), 64, {
          description: "Responses and samples keep their first this many tokens.",
          unit: "tokens",
        }),
        gold: field(
          modelSize,
          { name: "gold", layers: 2, dModel: 64, heads: 4 },
          { description: "The gold reward model, trained on all of the training split's labels." },
        ),
      }),
    ),
    {
      description:
        'With kind "dataset": the imported dataset (its id), tokenizer, held-out fraction, length limits and the gold reward model.',
    },
  );
}

/** A task of kind "dataset" has the block, a built-in one has none. */
export function datasetTaskIssues(task: { kind: string; dataset?: unknown }, issues: ConfigIssue[]): void {
  if (task.kind === "dataset" && !task.dataset)
    issues.push({ path: "task.dataset", message: 'expected the dataset block (datasetId, ...) with task.kind "dataset"' });
  if (task.kind === "builtin" && task.dataset)
    issues.push({ path: "task.dataset", message: 'expected no dataset block with task.kind "builtin"' });
}
