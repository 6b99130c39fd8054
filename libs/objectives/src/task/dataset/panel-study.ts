/**
 * The panel plumbing every dataset study shares (best-of-n, RL, DAA): which split a study trains
 * on with and without a held-out annotator panel (annotator-panel.ts), the study-wide agreement
 * numbers once gold is trained, and how agreement is stored - the `agreement.*` metrics (each with
 * `_ci_low` / `_ci_high`) and the `agreement` result blocks, under the same names in every kind.
 */
import type { RunSink } from "../../experiments/sink.ts";
import {
  humanCeiling,
  rewardModelPanelAgreement,
  splitByPanel,
  type GoldPanelSpec,
  type PanelAgreement,
  type PanelSplits,
} from "./annotator-panel.ts";
import { splitDataset, type DatasetPair, type DatasetSplits, type LabelledExample } from "./pairs.ts";

/** A study's split: what proxies / pi_init / DAA labels train on, what gold trains on, and the panel split when there is one. */
export interface StudySplits {
  /** Training side (with a panel: the training annotators' majority only). */
  splits: DatasetSplits;
  /** Gold's training pairs: the training split's labels, or with a panel the panel's majority only. */
  goldTrain: DatasetPair[];
  panel?: PanelSplits;
}

/** Splits `examples` for a study: by splitDataset, or with `goldPanel` by splitByPanel (whose errors name the dataset). */
export function studySplits(
  examples: readonly LabelledExample[],
  options: { seed: number; heldOutFraction: number; datasetId: number; goldPanel?: GoldPanelSpec | undefined },
): StudySplits {
  const { seed, heldOutFraction } = options;
  if (!options.goldPanel) {
    const splits = splitDataset(examples, { seed, heldOutFraction });
    return { splits, goldTrain: splits.train };
  }
  const panel = splitByPanel(examples, { seed, heldOutFraction, datasetId: options.datasetId, panel: options.goldPanel });
  return { splits: panel, goldTrain: panel.goldTrain, panel };
}

/** With a gold panel: who is in it and the study-wide agreement numbers. */
export interface DatasetPanelResult {
  panel: string[];
  /** Labelled pairs with two or more annotators. */
  multiAnnotated: number;
  /** Comparisons gold trained on (the panel's labels on the training split). */
  goldTrain: number;
  /** Held-out pairs agreement is measured on (both the panel and the training annotators label them). */
  pairs: number;
  goldRm: PanelAgreement;
  humanCeiling: PanelAgreement;
}

/**
 * A run's agreement block (its result's `agreement`): the study-wide numbers beside what the run
 * itself trained or selected with.
 */
export interface RunPanelAgreement {
  panel: string[];
  /** Held-out pairs gold, the proxies and the human ceiling are measured on. */
  pairs: number;
  goldRm: PanelAgreement;
  humanCeiling: PanelAgreement;
  /** The reward the run selects (best-of-n) or optimizes (RL) by; absent for a run on gold itself. */
  proxy?: PanelAgreement;
  /** RL on an ensemble: each member's agreement. */
  members?: PanelAgreement[];
  /** DAA: the trained policy's implicit reward on the held-out pairs it evaluates (its own `pairs`). */
  implicitReward?: PanelAgreement;
}

/** The study-wide part of a run's agreement block. */
export function runPanelAgreement(result: DatasetPanelResult): RunPanelAgreement {
  return { panel: result.panel, pairs: result.pairs, goldRm: result.goldRm, humanCeiling: result.humanCeiling };
}

/**
 * The study-wide agreement: gold's (its scores of the held-out pairs interleaved as chosen,
 * rejected, chosen being the panel's choice) and the human ceiling.
 */
export function panelResult(panel: PanelSplits, goldHeldOutScores: ArrayLike<number>): DatasetPanelResult {
  return {
    panel: panel.panel,
    multiAnnotated: panel.multiAnnotated,
    goldTrain: panel.goldTrain.length,
    pairs: panel.heldOut.length,
    goldRm: rewardModelPanelAgreement(panel, goldHeldOutScores),
    humanCeiling: humanCeiling(panel),
  };
}

/** The first `count` held-out pairs of a panel split (a study that evaluates only some of them). */
export function firstHeldOut(panel: PanelSplits, count: number): PanelSplits {
  return {
    ...panel,
    heldOut: panel.heldOut.slice(0, count),
    panelPrefersA: panel.panelPrefersA.slice(0, count),
    trainingPrefersA: panel.trainingPrefersA.slice(0, count),
  };
}

/**
 * Agreement with the panel of per-pair outcomes (1: the panel's choice wins, 0: the other
 * response, 0.5: a tie) on the first `outcomes.length` held-out pairs, with its bootstrap interval:
 * a DAA policy's implicit-reward accuracy on panel-oriented pairs is exactly this.
 */
export function outcomePanelAgreement(panel: PanelSplits, outcomes: readonly number[]): PanelAgreement {
  return rewardModelPanelAgreement(
    firstHeldOut(panel, outcomes.length),
    outcomes.flatMap((c) => [c, 1 - c]),
  );
}

export const formatAgreement = (a: PanelAgreement) => `${a.estimate.toFixed(3)} [${a.low.toFixed(3)}, ${a.high.toFixed(3)}]`;

/** One agreement as a run's metrics: `name`, `name_ci_low`, `name_ci_high` (step 0). */
export function recordAgreement(sink: Pick<RunSink, "metric">, name: string, a: PanelAgreement): void {
  sink.metric(0, name, a.estimate);
  sink.metric(0, `${name}_ci_low`, a.low);
  sink.metric(0, `${name}_ci_high`, a.high);
}

/** The study-wide numbers every run of a panel study stores: `agreement.gold_rm`, `agreement.human_ceiling`, `agreement.pairs`. */
export function recordStudyAgreement(sink: Pick<RunSink, "metric">, result: DatasetPanelResult): void {
  recordAgreement(sink, "agreement.gold_rm", result.goldRm);
  recordAgreement(sink, "agreement.human_ceiling", result.humanCeiling);
  sink.metric(0, "agreement.pairs", result.pairs);
}

/** The study's log line for the panel split. */
export function panelSplitMessage(panel: PanelSplits): string {
  return `gold panel ${panel.panel.join(", ")}: gold trains on its ${panel.goldTrain.length} labels, the training side on the other annotators' majority; ${panel.heldOut.length} held-out pairs labelled by both (${panel.multiAnnotated} pairs have >= 2 annotators)`;
}

/** The study's log line for the agreement numbers. */
export function panelResultMessage(result: DatasetPanelResult): string {
  return `agreement with the panel on ${result.pairs} held-out pairs: gold RM ${formatAgreement(result.goldRm)}, human ceiling (training annotators' majority) ${formatAgreement(result.humanCeiling)}`;
}
