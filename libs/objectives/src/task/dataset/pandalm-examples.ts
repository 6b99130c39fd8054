/**
 * Test support: PandaLM's human test set (fixtures/preference/pandalm_testset-v1.json.gz, 999
 * pairs, each judged by the same three annotators) as the lab loads it: instruction + blank line +
 * input as the prompt, every annotator's judgment (1 = A, 2 = B, 0 = tie). Used by the dataset
 * studies' agreement-based gold tests; the lab's own importer path is tested in apps/desktop.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fixturePath } from "../../../../../fixtures/index.ts";
import type { Judgment, LabelledExample } from "./pairs.ts";

export function pandalmExamples(): LabelledExample[] {
  const rows = JSON.parse(gunzipSync(readFileSync(fixturePath("preference/pandalm_testset-v1.json.gz"))).toString("utf8")) as Record<
    string,
    string | number
  >[];
  const vote = (v: number): Judgment["preferred"] => (v === 1 ? "a" : v === 2 ? "b" : "tie");
  return rows.map((r, i) => {
    const judgments = (["annotator1", "annotator2", "annotator3"] as const).map((annotator) => ({
      annotator,
      preferred: vote(r[annotator] as number),
    }));
    return {
      id: i + 1,
      prompt: r.input ? `${r.instruction}\n\n${r.input}` : String(r.instruction),
      responseA: String(r.response1),
      responseB: String(r.response2),
      preferred: judgments[0]!.preferred,
      judgments,
    };
  });
}
