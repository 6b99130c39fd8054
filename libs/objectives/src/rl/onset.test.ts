import { describe, expect, it } from "vitest";
import { onsetRuleHolds, onsetSteps, scoreOnset, summariseOnset, type OnsetObservation } from "./onset.ts";

const obs = (
  step: number,
  kl: number,
  proxy: number,
  disagreement: number | null = null,
  valueError: number | null = null,
): OnsetObservation => ({ step, kl, d: Math.sqrt(kl), proxy, disagreement, valueError });

describe("onset signals", () => {
  // Proxy rises fast, then slowly per sqrt(KL); KL accelerates at step 30; disagreement grows late.
  const history = [obs(0, 0, 0, 0.4, 1), obs(10, 1, 1, 0.41, 1.2), obs(20, 2, 1.3, 0.45, 1.5), obs(30, 8, 1.5, 0.7, 2.5)];

  it("fire at the first evaluation where their rule holds, using only what was observed so far", () => {
    const steps = onsetSteps(history);
    // slope 0 -> 10: 1 / 1 = 1; 10 -> 20: 0.3 / 0.414 = 0.72 (no); 20 -> 30: 0.2 / 1.41 = 0.14 (fires)
    expect(steps["proxy-slope"]).toBe(30);
    expect(steps["kl-growth"]).toBe(30); // 0.6 per step against 0.1
    expect(steps.disagreement).toBe(30); // 0.7 > 1.5 x 0.4
    expect(steps["value-error"]).toBe(30); // 2.5 > 2 x 1
    expect(onsetRuleHolds("proxy-slope", history.slice(0, 3))).toBe(false);
    expect(onsetSteps(history.map((h) => ({ ...h, disagreement: null }))).disagreement).toBeNull();
  });

  it("are scored against the gold peak: lead time, false alarms and misses", () => {
    const steps = onsetSteps(history);
    const over = scoreOnset(steps, { peakStep: 40, drop: 0.5, dropSe: 0.1 });
    expect(over.overoptimized).toBe(true);
    expect(over.scores.find((s) => s.signal === "kl-growth")!.leadSteps).toBe(10);
    const clean = scoreOnset(steps, { peakStep: 40, drop: 0.1, dropSe: 0.1 });
    expect(clean.scores.every((s) => s.falseAlarm === (s.fireStep !== null))).toBe(true);
    const silent = scoreOnset(
      { disagreement: null, "proxy-slope": null, "kl-growth": null, "value-error": null },
      { peakStep: 10, drop: 1, dropSe: 0.1 },
    );
    expect(silent.scores.every((s) => s.missed)).toBe(true);
    const summary = summariseOnset([over, clean, silent], "kl-growth");
    expect(summary).toEqual({ meanLeadSteps: 10, falseAlarmRate: 1, missRate: 0.5 });
    // A signal the run cannot compute is neither missed nor counted in the rates.
    const noEnsemble = scoreOnset(steps, { peakStep: 40, drop: 0.5, dropSe: 0.1 }, ["proxy-slope", "kl-growth"]);
    const d = noEnsemble.scores.find((s) => s.signal === "disagreement")!;
    expect(d).toMatchObject({ available: false, fireStep: null, missed: false });
    expect(summariseOnset([noEnsemble], "disagreement")).toEqual({ meanLeadSteps: null, falseAlarmRate: null, missRate: null });
  });
});
