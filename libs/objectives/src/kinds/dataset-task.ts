/**
 * The `task.dataset` block every kind that can run on an imported dataset shares (bon-study, daa):
 * which dataset, how it is tokenized and split, and the gold reward model trained on its labels
 * (task/dataset/). One definition, so the fields, defaults and picker are the same in every kind.
 */
import { type ConfigIssue, type Schema, list, meta, num, obj, optional, refine, str } from "../config/validate.ts";
import type { DatasetTaskConfig, GoldPanelConfig, ModelSize } from "./bon-study/schema.ts";
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
          {
            description:
              "The gold reward model, trained on all of the training split's labels (with goldPanel: on the panel's labels only).",
          },
        ),
        goldPanel: goldPanelBlock(),
      }),
    ),
    {
      description:
        'With kind "dataset": the imported dataset (its id), tokenizer, held-out fraction, length limits and the gold reward model.',
    },
  );
}

/** `task.dataset.goldPanel`: agreement-based gold on a multi-annotator dataset (task/dataset/annotator-panel.ts). */
function goldPanelBlock(): Schema<GoldPanelConfig | undefined> {
  const block = obj<GoldPanelConfig>({
    annotators: meta(optional(list(str(), { minLength: 1, unique: true })), {
      description: "Annotators held out as the panel, by the names the dataset stores (goodhart datasets show); every label they gave.",
    }),
    perPair: meta(optional(num({ integer: true, min: 1 })), {
      description: "Instead of names: per pair, a seeded draw of this many of its annotators forms the panel.",
      unit: "annotators",
    }),
  });
  return meta(
    optional(
      refine(block, (v, path, issues) => {
        if ((v.annotators === undefined) === (v.perPair === undefined))
          issues.push({ path, message: "expected exactly one of annotators (names) and perPair (a count)" });
      }),
    ),
    {
      description:
        "Agreement-based gold for a multi-annotator dataset: the panel's labels are held out from pi_init, the proxies and a DAA's label set (which train on the other annotators' majority), gold trains on the panel's labels only, and every reward model's (a DAA policy's implicit reward's) agreement with the panel on held-out pairs is reported beside the human ceiling. Absent: gold trains on all training labels.",
    },
  );
}

/**
 * A task of kind "dataset" has the block, a built-in one has none. `goldPanel` is for kinds that
 * run agreement-based gold (bon-study, rl-study, daa); others refuse it with the reason.
 */
export function datasetTaskIssues(
  task: { kind: string; dataset?: { goldPanel?: unknown } },
  issues: ConfigIssue[],
  options: { goldPanel?: boolean } = {},
): void {
  if (task.kind === "dataset" && !task.dataset)
    issues.push({ path: "task.dataset", message: 'expected the dataset block (datasetId, ...) with task.kind "dataset"' });
  if (task.dataset?.goldPanel !== undefined && !options.goldPanel)
    issues.push({
      path: "task.dataset.goldPanel",
      message:
        "agreement-based gold runs in bon-study, rl-study and daa only: this kind's gold is the reward model trained on all training labels, so a held-out annotator panel would not be kept out of training",
    });
  if (task.kind === "builtin" && task.dataset)
    issues.push({ path: "task.dataset", message: 'expected no dataset block with task.kind "builtin"' });
}
