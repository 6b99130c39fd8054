/**
 * The DMoERM study's run module: one run whose result holds the agreements and their differences,
 * with each method's agreement also reported as a one-point series (the headline bar chart).
 */
import { runDmoermStudy, type DmoermConfig, type DmoermResult } from "../../dmoerm/study.ts";
import type { ExperimentContext } from "../../experiments/sink.ts";
import { assertStudyFits, dmoermStudyPhases } from "../../experiments/memory-check.ts";
import { refuseModelInitsOnBuiltinTask } from "../../experiments/model-init.ts";

export async function run(config: unknown, context: ExperimentContext): Promise<DmoermResult> {
  const c = config as DmoermConfig;
  // Before the run is begun, so a refusal leaves no half-made run behind. Every reward model
  // starts from basePolicy's trunk; the built-in task fits no registered model.
  refuseModelInitsOnBuiltinTask(c.name, c, ["basePolicy.init"], context);
  assertStudyFits(c.name, dmoermStudyPhases(c), context.runtime.device);
  const sink = context.sink.beginRun({ id: c.name, name: c.name, seed: context.seed, config: c as unknown as Record<string, unknown> });
  try {
    const result = await runDmoermStudy(c, { ...context, sink: { ...context.sink, log: (m) => sink.log(m) } });
    const methods = { dmoerm: result.dmoerm_agreement, single: result.single_rm_agreement, ensemble: result.ensemble_agreement };
    sink.curvePoints(
      Object.entries(methods).map(([name, ci]) => ({
        series: `agreement:${name}`,
        x: 1,
        xKind: "n" as const,
        kl: 0,
        klEstimator: "none",
        klPrompts: `test:${result.testPairs}`,
        proxyScore: ci.estimate,
        proxyScores: null,
        goldScore: ci.estimate,
        goldSe: ci.se,
        prompts: result.testPairs,
      })),
    );
    for (const [name, ci] of Object.entries(methods)) sink.metric(0, `agreement.${name}`, ci.estimate);
    sink.result?.(result as unknown as Record<string, unknown>);
    sink.end("done");
    return result;
  } catch (e) {
    sink.end(context.signal?.aborted ? "cancelled" : "failed", e instanceof Error ? e.message : String(e));
    throw e;
  }
}
