/**
 * Agreement-based gold for a multi-annotator dataset (issue 17): a panel of annotators is held out.
 *
 * - The proxies (and the SFT policy their trunks and pi_init come from) see only the other
 *   annotators' labels: per pair, their majority (a tie among them, or only `tie` votes, gives no
 *   label).
 * - The gold reward model trains only on the panel's labels (the panel's majority per pair), so
 *   proxy and gold never share an annotator.
 * - On held-out prompts, the pairs both sides label are the evaluation set: every reward model is
 *   scored by its agreement with the panel's majority, next to the human ceiling - how often the
 *   training annotators' majority agrees with the panel on the same pairs.
 *
 * The panel is either named annotators (every label they gave) or, per pair, a seeded draw of
 * `perPair` of its annotators (a pair with no more annotators than that gives the proxies nothing
 * and is left out). Prompts are split as in splitDataset (pairs.ts), so no held-out prompt is seen
 * in any training.
 */
import { Rng } from "@goodhart/engine";
import { agreementReport, rewardModelAgreement, type Rating } from "../../labeling/agreement.ts";
import type { BootstrapInterval, BootstrapOptions } from "../../stats/bootstrap.ts";
import {
  checkHeldOutFraction,
  evaluationPrompts,
  isHeldOut,
  type DatasetPair,
  type DatasetSplits,
  type Judgment,
  type LabelledExample,
} from "./pairs.ts";

/** Which annotators form the held-out panel (exactly one of the two). */
export interface GoldPanelSpec {
  /** These annotators' labels, on every pair they labelled. */
  annotators?: string[];
  /** Per pair, a seeded draw of this many of the pair's annotators. */
  perPair?: number;
}

/** The split of a multi-annotator dataset for agreement-based gold. */
export interface PanelSplits extends DatasetSplits {
  /** Proxies and the SFT policy: training-split pairs by the training annotators' majority. */
  train: DatasetPair[];
  /** Gold: training-split pairs by the panel's majority. */
  goldTrain: DatasetPair[];
  /** Held-out pairs both the panel and the training annotators label, the panel's choice as `chosen`. */
  heldOut: DatasetPair[];
  /** Per held-out pair: whether the panel prefers response A (the orientation agreement is counted in). */
  panelPrefersA: boolean[];
  /** Per held-out pair: whether the training annotators' majority prefers response A. */
  trainingPrefersA: boolean[];
  /** Annotators in the panel (named), or every annotator drawn into it at least once. */
  panel: string[];
  /** Labelled pairs with two or more annotators. */
  multiAnnotated: number;
}

/** Two-sided agreement of a rater (a reward model, or the training annotators) with the panel. */
export interface PanelAgreement {
  estimate: number;
  low: number;
  high: number;
  /** Cohen's kappa with the panel (point estimate; NaN when undefined). */
  kappa: number;
  /** Held-out pairs it is measured on. */
  pairs: number;
}

/** The judgments of a pair: its stored ones, or its one label as annotator `#1`. */
function judgmentsOf(e: LabelledExample): Judgment[] {
  return e.judgments && e.judgments.length > 0 ? e.judgments : [{ annotator: "#1", preferred: e.preferred }];
}

/** The majority of a set of judgments: a or b by strict majority of the a/b votes, else none. */
export function majority(judgments: readonly Judgment[]): "a" | "b" | undefined {
  let a = 0;
  let b = 0;
  for (const j of judgments) {
    if (j.preferred === "a") a++;
    else if (j.preferred === "b") b++;
  }
  return a > b ? "a" : b > a ? "b" : undefined;
}

function oriented(e: LabelledExample, preferred: "a" | "b"): DatasetPair {
  const [chosen, rejected] = preferred === "a" ? [e.responseA, e.responseB] : [e.responseB, e.responseA];
  return { id: e.id, prompt: e.prompt, chosen, rejected };
}

/** Checks the spec on its own (the config schema checks it too; library callers get the same words). */
export function checkPanelSpec(spec: GoldPanelSpec): void {
  const named = spec.annotators !== undefined;
  const drawn = spec.perPair !== undefined;
  if (named === drawn) throw new RangeError("goldPanel: give exactly one of annotators (names) and perPair (a count)");
  if (named && spec.annotators!.length === 0) throw new RangeError("goldPanel.annotators: name at least one annotator");
  if (drawn && !(Number.isInteger(spec.perPair) && spec.perPair! >= 1))
    throw new RangeError(`goldPanel.perPair: expected an integer >= 1, got ${spec.perPair}`);
}

/**
 * Splits a multi-annotator dataset for agreement-based gold (see the module comment). Errors name
 * the dataset: one without several annotators per pair, a panel naming annotators the dataset does
 * not have, or a panel that leaves proxies, gold or the evaluation no labels.
 */
export function splitByPanel(
  examples: readonly LabelledExample[],
  options: { seed: number; heldOutFraction: number; datasetId: number; panel: GoldPanelSpec },
): PanelSplits {
  checkHeldOutFraction(options.heldOutFraction);
  checkPanelSpec(options.panel);
  const where = `dataset ${options.datasetId}`;
  const multiAnnotated = examples.filter((e) => (e.judgments?.length ?? 0) >= 2).length;
  if (multiAnnotated === 0)
    throw new RangeError(
      `${where}: agreement-based gold (task.dataset.goldPanel) needs pairs labelled by several annotators; 0 of its ${examples.length} labelled pairs have >= 2 annotators`,
    );
  const named = options.panel.annotators ? new Set(options.panel.annotators) : undefined;
  if (named) {
    const known = new Set(examples.flatMap((e) => judgmentsOf(e).map((j) => j.annotator)));
    const unknown = [...named].filter((a) => !known.has(a));
    if (unknown.length > 0) {
      const list = [...known].sort();
      throw new RangeError(
        `${where}: goldPanel.annotators names ${unknown.map((a) => `'${a}'`).join(", ")}, which labelled none of its pairs; its annotators are ${list.slice(0, 12).join(", ")}${list.length > 12 ? `, ... (${list.length})` : ""}`,
      );
    }
  }
  const train: DatasetPair[] = [];
  const goldTrain: DatasetPair[] = [];
  const heldOut: DatasetPair[] = [];
  const panelPrefersA: boolean[] = [];
  const trainingPrefersA: boolean[] = [];
  const drawnPanel = new Set<string>();
  let dropped = 0;
  for (const e of examples) {
    const js = judgmentsOf(e);
    let panelJ: Judgment[];
    let restJ: Judgment[];
    if (named) {
      panelJ = js.filter((j) => named.has(j.annotator));
      restJ = js.filter((j) => !named.has(j.annotator));
    } else {
      const k = options.panel.perPair!;
      if (js.length <= k) {
        dropped++;
        continue;
      }
      // Seeded by the study's seed and the example id: the same panel whatever the row order.
      const picked = new Set(new Rng(options.seed).fork(`gold-panel-${e.id}`).permutation(js.length).slice(0, k));
      panelJ = js.filter((_, i) => picked.has(i));
      restJ = js.filter((_, i) => !picked.has(i));
      for (const j of panelJ) drawnPanel.add(j.annotator);
    }
    const panelChoice = majority(panelJ);
    const trainingChoice = majority(restJ);
    if (isHeldOut(e.prompt, e.split, options)) {
      if (panelChoice && trainingChoice) {
        heldOut.push(oriented(e, panelChoice));
        panelPrefersA.push(panelChoice === "a");
        trainingPrefersA.push(trainingChoice === "a");
      } else dropped++;
    } else {
      if (trainingChoice) train.push(oriented(e, trainingChoice));
      if (panelChoice) goldTrain.push(oriented(e, panelChoice));
      if (!trainingChoice && !panelChoice) dropped++;
    }
  }
  const panel = named ? [...named] : [...drawnPanel].sort();
  const what = named ? `the panel ${panel.join(", ")}` : `a panel of ${options.panel.perPair} per pair`;
  if (train.length === 0)
    throw new RangeError(
      `${where}: ${what} leaves the proxies no training labels (no training-split pair has a majority among the other annotators; ${multiAnnotated} pairs have >= 2 annotators)`,
    );
  if (goldTrain.length === 0)
    throw new RangeError(`${where}: ${what} leaves gold no training labels (the panel has no majority on any training-split pair)`);
  if (heldOut.length < 2)
    throw new RangeError(
      `${where}: ${what} leaves ${heldOut.length} held-out pairs labelled by both the panel and the other annotators; agreement needs at least 2 (raise heldOutFraction)`,
    );
  return {
    train,
    goldTrain,
    heldOut,
    evalPrompts: evaluationPrompts(heldOut, options.seed),
    dropped,
    panelPrefersA,
    trainingPrefersA,
    panel,
    multiAnnotated,
  };
}

function interval(ci: BootstrapInterval, kappa: number, pairs: number): PanelAgreement {
  return { estimate: ci.estimate, low: ci.low, high: ci.high, kappa, pairs };
}

/**
 * A reward model's agreement with the panel on the held-out pairs, with a 95% percentile bootstrap
 * interval over pairs. `ref` holds its scores of the held-out pairs interleaved as (chosen,
 * rejected), chosen being the panel's choice (how the study scores its reference responses).
 */
export function rewardModelPanelAgreement(splits: PanelSplits, ref: ArrayLike<number>, options: BootstrapOptions = {}): PanelAgreement {
  const n = splits.heldOut.length;
  if (ref.length !== 2 * n) throw new RangeError(`panel agreement: ${ref.length} scores for ${n} held-out pairs (expected ${2 * n})`);
  const scoreA = new Float64Array(n);
  const scoreB = new Float64Array(n);
  const labels: Rating[] = [];
  for (let i = 0; i < n; i++) {
    const [chosen, rejected] = [ref[2 * i]!, ref[2 * i + 1]!];
    const aFirst = splits.panelPrefersA[i]!;
    scoreA[i] = aFirst ? chosen : rejected;
    scoreB[i] = aFirst ? rejected : chosen;
    labels.push(aFirst ? "a" : "b");
  }
  const r = rewardModelAgreement(scoreA, scoreB, labels, options);
  return interval(r.accuracy, r.cohen.estimate, r.pairs);
}

/** The human ceiling: how often the training annotators' majority agrees with the panel on the held-out pairs (95% bootstrap interval). */
export function humanCeiling(splits: PanelSplits, options: BootstrapOptions = {}): PanelAgreement {
  const side = (prefersA: readonly boolean[]): Rating[] => prefersA.map((a) => (a ? "a" : "b"));
  const report = agreementReport([side(splits.trainingPrefersA), side(splits.panelPrefersA)], options);
  return interval(report.raw, report.cohen!.estimate, report.items);
}
