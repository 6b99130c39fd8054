/**
 * Progress with an ETA over phases of very different cost. Each phase is planned as a number of
 * units with an estimated cost per unit; the ETA scales the estimated remaining cost by how fast
 * the run has actually been going relative to the estimate.
 */
import type { ExperimentProgress, ExperimentSink } from "./sink.ts";

export interface PhasePlan {
  phase: string;
  units: number;
  /** Estimated seconds per unit on a 2-core CPU (only ratios between phases matter). */
  secondsPerUnit: number;
}

export class ProgressTracker {
  private readonly start = performance.now();
  private totalCost: number;
  private doneCost = 0;
  private readonly plan: Map<string, PhasePlan>;
  private readonly doneUnits = new Map<string, number>();
  private lastEmit = -Infinity;

  constructor(
    plans: readonly PhasePlan[],
    private readonly sink: ExperimentSink,
    /** Minimum milliseconds between progress reports (phase ends always report). */
    private readonly intervalMs = 250,
  ) {
    this.plan = new Map(plans.map((p) => [p.phase, p]));
    this.totalCost = plans.reduce((s, p) => s + p.units * p.secondsPerUnit, 0);
  }

  /** Drops a phase's remaining planned cost (e.g. pretraining when the policy came from the cache). */
  skip(phase: string): void {
    const plan = this.plan.get(phase);
    if (!plan) return;
    const done = Math.min(this.doneUnits.get(phase) ?? 0, plan.units);
    this.totalCost -= (plan.units - done) * plan.secondsPerUnit;
    this.plan.set(phase, { ...plan, units: done });
  }

  /** Records that a phase has now done `done` of `total` units (total may refine the plan). */
  update(phase: string, done: number, total: number, message?: string): void {
    const plan = this.plan.get(phase);
    // Only progress beyond the furthest point a phase reached counts: a phase reported from two
    // places (a pool worker as it runs, then the study as it stores the results) is counted once.
    const previous = this.doneUnits.get(phase) ?? 0;
    const reached = Math.max(previous, done);
    this.doneUnits.set(phase, reached);
    if (plan) this.doneCost += (Math.min(reached, plan.units) - Math.min(previous, plan.units)) * plan.secondsPerUnit;
    const now = performance.now();
    if (done < total && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.sink.progress(this.snapshot(phase, done, total, message));
  }

  snapshot(phase: string, done: number, total: number, message?: string): ExperimentProgress {
    const elapsedS = (performance.now() - this.start) / 1000;
    const fraction = this.totalCost > 0 ? Math.min(1, this.doneCost / this.totalCost) : 1;
    const etaS = fraction > 0.02 && elapsedS > 1 ? (elapsedS * (1 - fraction)) / fraction : null;
    return { phase, done, total, fraction, elapsedS, etaS, ...(message === undefined ? {} : { message }) };
  }
}
