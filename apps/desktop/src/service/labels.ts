/**
 * Labelers that write label sets, and agreement over the labels a dataset holds. The pure parts
 * (gold preferences, the LLM judge protocol, kappa) live in libs/objectives/src/labeling; this module
 * connects them to the lab database: which comparisons to label, the labels written (source, labeler
 * name in `annotator`, time), the label set over them, and the judge's answer cache.
 *
 * Every labeler writes its labels and its label set in one transaction, after all the labelling is
 * done, so a failure (bad input, an endpoint that gives up) adds no labels. The LLM judge's answers
 * are the exception by design: each is cached as soon as it arrives, so a rerun resumes.
 */
import {
  agreementReport,
  ChatCompletionsClient,
  createTask,
  drawLabelFlips,
  estimateJudging,
  goldPreferences,
  isLabelDimension,
  JUDGE_TEMPLATES,
  judgeComparisons,
  LABEL_DIMENSIONS,
  type AgreementReport,
  type LabelComparison,
  type LabelDimension,
  type JudgeEstimate,
  type JudgeOptions,
  type JudgeRunSummary,
  type JudgeTemplate,
  type LlmEndpoint,
  type PairPreference,
  type Rating,
} from "@goodhart/objectives";
import { Rng } from "@goodhart/engine";
import { createHash } from "node:crypto";
import type { Dataset, Example, LabelSet, LabStore, Label } from "@goodhart/storage";

/**
 * A dataset of comparisons from the built-in task: per training prompt (in the task's seeded order)
 * two completions of the true generator, with the prompt's category. What the synthetic labeler,
 * the LLM judge and the Labels screen label when no dataset is imported.
 */
export function createBuiltinComparisons(store: LabStore, spec: { name: string; count: number; seed: number }): Dataset {
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > 100_000)
    throw new RangeError(`built-in comparisons: count must be an integer in [1, 100000]; got ${spec.count}`);
  const task = createTask(spec.seed, { prompts: { train: spec.count } });
  const rng = new Rng(spec.seed).fork("builtin-comparisons");
  const rows = task.prompts.train
    .slice(0, spec.count)
    .map((p) => ({ prompt: p, a: task.sampleCompletion(rng, p).join(" "), b: task.sampleCompletion(rng, p).join(" ") }));
  return store.transaction(() => {
    const dataset = store.datasets.create({
      name: spec.name,
      sourcePath: `builtin-task:comparisons seed=${spec.seed}`,
      contentHash: createHash("sha256")
        .update(JSON.stringify(rows.map((r) => [r.prompt.text, r.a, r.b])))
        .digest("hex"),
      format: "builtin-task-comparisons",
      rowCount: rows.length,
      detection: { seed: spec.seed, count: spec.count },
    });
    store.examples.insertMany(
      dataset.id,
      rows.map((r, i) => ({
        rowIndex: i + 1,
        kind: "pair",
        prompt: r.prompt.text,
        promptMessages: null,
        responseA: r.a,
        responseB: r.b,
        responses: null,
        category: r.prompt.category,
        metadata: null,
      })),
    );
    return store.datasets.get(dataset.id)!;
  });
}

/** The comparisons of a dataset (its pair examples, in row order) with their example ids. */
export function datasetComparisons(store: LabStore, datasetId: number): { exampleIds: number[]; comparisons: LabelComparison[] } {
  const dataset = store.datasets.get(datasetId);
  if (!dataset) throw new RangeError(`dataset ${datasetId} does not exist`);
  const exampleIds: number[] = [];
  const comparisons: LabelComparison[] = [];
  let afterRow = 0;
  for (;;) {
    const page: Example[] = store.examples.list(datasetId, { afterRow, limit: 1000 });
    if (page.length === 0) break;
    for (const e of page) {
      afterRow = e.rowIndex;
      if (e.kind !== "pair" || e.responseA === null || e.responseB === null) continue;
      exampleIds.push(e.id);
      comparisons.push({ prompt: e.prompt, responseA: e.responseA, responseB: e.responseB });
    }
  }
  if (comparisons.length === 0) throw new RangeError(`dataset ${datasetId} ('${dataset.name}') has no pairwise examples to label`);
  return { exampleIds, comparisons };
}

function checkNewSetName(store: LabStore, name: string): void {
  if (!name.trim()) throw new RangeError("label set name is empty");
  if (store.labelSets.byName(name)) throw new RangeError(`a label set named '${name}' already exists; choose another name`);
}

export interface SyntheticLabelingSpec {
  datasetId: number;
  /** `overall` and/or capability names (the built-in gold's components). */
  dimensions: readonly string[];
  /** Flip probability of each non-tie label (Coste et al.: 0.25). */
  noise: number;
  seed: number;
  /** Label sets are named `<name>/<dimension>`. */
  name: string;
}

/**
 * The synthetic labeler: per dimension, the built-in gold's preference for every comparison (ties
 * kept as ties) stored as labels with source `synthetic`, then a label set per dimension with each
 * non-tie label flipped with probability `noise`, drawn by the one flipper from a stream forked by
 * seed and dimension (so adding a dimension does not change another's flips).
 */
export function labelSynthetic(store: LabStore, spec: SyntheticLabelingSpec): LabelSet[] {
  if (spec.dimensions.length === 0) throw new RangeError("synthetic labels: give at least one dimension");
  for (const d of spec.dimensions) {
    if (!isLabelDimension(d))
      throw new RangeError(`synthetic labels: unknown dimension '${d}'; expected one of ${LABEL_DIMENSIONS.join(", ")}`);
  }
  if (!(spec.noise >= 0 && spec.noise < 1)) throw new RangeError(`synthetic labels: noise must be in [0, 1); got ${spec.noise}`);
  if (!Number.isInteger(spec.seed)) throw new RangeError(`synthetic labels: seed must be an integer; got ${spec.seed}`);
  for (const d of spec.dimensions) checkNewSetName(store, `${spec.name}/${d}`);
  const { exampleIds, comparisons } = datasetComparisons(store, spec.datasetId);
  // The gold judge and prompt parser are the same for every task seed (createTask's contract).
  const task = createTask(0, { prompts: { train: 1, validation: 1, test: 1 } });
  const perDimension = spec.dimensions.map((d) => ({ dimension: d, preferences: goldPreferences(task, comparisons, d as LabelDimension) }));
  return store.transaction(() =>
    perDimension.map(({ dimension, preferences }) => {
      const labels = store.labels.addMany(
        preferences.map((preferred, i) => ({
          exampleId: exampleIds[i]!,
          dimension,
          preferred,
          source: "synthetic" as const,
          annotator: `built-in gold (${dimension})`,
        })),
      );
      const flippable = labels.filter((l) => l.preferred !== "tie");
      const flips = drawLabelFlips(flippable.length, new Rng(spec.seed).fork(`label-noise/${dimension}`), spec.noise);
      const wanted = new Set(labels.map((l) => l.id));
      return store.labelSets.create({
        name: `${spec.name}/${dimension}`,
        datasetId: spec.datasetId,
        dimension,
        source: "synthetic",
        flipP: spec.noise,
        seed: spec.seed,
        flippedLabelIds: flippable.filter((_, k) => flips[k]).map((l) => l.id),
        // Only this run's labels: an earlier synthetic run on the same dataset is not re-used.
        labelIds: [...wanted],
      });
    }),
  );
}

export interface LlmLabelingSpec {
  datasetId: number;
  /** A built-in template name (overall or a capability) or a full template. */
  template: string | JudgeTemplate;
  endpoint: LlmEndpoint;
  /** The label set's name. */
  name: string;
  judge?: JudgeOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export function resolveTemplate(template: string | JudgeTemplate): JudgeTemplate {
  if (typeof template !== "string") return template;
  const t = JUDGE_TEMPLATES[template];
  if (!t) throw new RangeError(`LLM judge: no template '${template}'; built-in: ${Object.keys(JUDGE_TEMPLATES).join(", ")}`);
  return t;
}

/** Cost and time of labelling a dataset with the LLM judge, counting answers already cached. */
export function estimateLlmLabeling(
  store: LabStore,
  spec: Pick<LlmLabelingSpec, "datasetId" | "template"> & {
    model: string;
    inputPricePerMTok?: number;
    outputPricePerMTok?: number;
    requestsPerMinute?: number;
  },
): JudgeEstimate & { comparisons: number } {
  const { comparisons } = datasetComparisons(store, spec.datasetId);
  return {
    comparisons: comparisons.length,
    ...estimateJudging(comparisons, resolveTemplate(spec.template), store.llmJudgements, spec.model, spec),
  };
}

export interface LlmLabelingResult {
  labelSet: LabelSet;
  summary: Omit<JudgeRunSummary, "pairs">;
}

/**
 * The LLM judge labeler: asks every comparison in both orders (answers cached in the database as
 * they arrive), keeps the pairs whose two answers agree, and stores them as labels with source
 * `llm` and annotator `<model> / <template>`, plus a label set over exactly those labels.
 */
export async function labelWithLlm(store: LabStore, spec: LlmLabelingSpec): Promise<LlmLabelingResult> {
  checkNewSetName(store, spec.name);
  const template = resolveTemplate(spec.template);
  const { exampleIds, comparisons } = datasetComparisons(store, spec.datasetId);
  const client = new ChatCompletionsClient(spec.endpoint, spec.judge);
  const summary = await judgeComparisons(comparisons, template, client, store.llmJudgements, spec.endpoint.model, {
    signal: spec.signal,
    onProgress: spec.onProgress,
  });
  const annotator = `${spec.endpoint.model} / ${template.name}`;
  const labelSet = store.transaction(() => {
    const labels = store.labels.addMany(
      summary.pairs
        .filter((p): p is typeof p & { preferred: PairPreference } => p.preferred !== null)
        .map((p) => ({
          exampleId: exampleIds[p.index]!,
          dimension: template.dimension,
          preferred: p.preferred,
          source: "llm" as const,
          annotator,
        })),
    );
    return store.labelSets.create({
      name: spec.name,
      datasetId: spec.datasetId,
      dimension: template.dimension,
      source: "llm",
      flipP: 0,
      seed: 0,
      labelIds: labels.map((l) => l.id),
    });
  });
  const { pairs: _pairs, ...counts } = summary;
  return { labelSet, summary: counts };
}

export interface DatasetAgreement extends AgreementReport {
  dimension: string;
  /** Who each rater index is: `<source>: <annotator>`. */
  raterNames: string[];
}

/**
 * Agreement among everyone who labelled a dataset on one dimension: each (source, annotator) is a
 * rater, each example an item; an annotator who labelled an example twice counts with the latest
 * label. Works the same for imported multi-annotator datasets, the Labels screen's people, the LLM
 * judge and the synthetic labeler.
 */
export function datasetAgreement(
  store: LabStore,
  datasetId: number,
  dimension = "overall",
  options: { seed?: number; replicates?: number } = {},
): DatasetAgreement {
  if (!store.datasets.get(datasetId)) throw new RangeError(`dataset ${datasetId} does not exist`);
  const labels: Label[] = store.labels.forDataset(datasetId, { dimension });
  const raterOf = (l: Label) => `${l.source}: ${l.annotator ?? "(unnamed)"}`;
  const raterNames = [...new Set(labels.map(raterOf))].sort();
  if (raterNames.length < 2)
    throw new RangeError(`dataset ${datasetId}, dimension '${dimension}': ${raterNames.length} labeler(s); agreement needs at least 2`);
  const items = [...new Set(labels.map((l) => l.exampleId))].sort((a, b) => a - b);
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const ratings: Rating[][] = raterNames.map(() => new Array<Rating>(items.length).fill(null));
  for (const l of labels) ratings[raterNames.indexOf(raterOf(l))]![itemIndex.get(l.exampleId)!] = l.preferred;
  return { dimension, raterNames, ...agreementReport(ratings, { seed: options.seed ?? 0, replicates: options.replicates ?? 1000 }) };
}
