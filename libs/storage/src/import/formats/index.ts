import type { PreferenceFormat } from "./format.ts";
import { hhRlhf } from "./hh-rlhf.ts";
import { llamaFactoryRanking } from "./llamafactory.ts";
import { pairwiseJudgments } from "./pairwise.ts";
import { promptChosenRejected } from "./prompt-chosen-rejected.ts";
import { rankedList } from "./ranked.ts";
import { stackExchangePaired } from "./stack-exchange-paired.ts";
import { ultrafeedbackBinarized } from "./ultrafeedback.ts";
import { unpairedGoodBad } from "./unpaired.ts";

export type { ColumnRoles, ConvertedRow, PreferenceFormat } from "./format.ts";

/** Every known layout, most specific first: detection takes the first that matches. */
export const preferenceFormats: readonly PreferenceFormat[] = [
  llamaFactoryRanking,
  hhRlhf,
  ultrafeedbackBinarized,
  stackExchangePaired,
  pairwiseJudgments,
  promptChosenRejected,
  unpairedGoodBad,
  rankedList,
];

export function formatById(id: string): PreferenceFormat | undefined {
  return preferenceFormats.find((f) => f.id === id);
}
