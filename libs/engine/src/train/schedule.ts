/** Learning rate at a 0-based step. */
export type Schedule = (step: number) => number;

/** The same rate at every step. */
export function constantSchedule(lr: number): Schedule {
  return () => lr;
}

/** Linear ramp from lr/warmup to lr over `warmupSteps`, then constant. */
export function linearWarmup(lr: number, warmupSteps: number): Schedule {
  return (step) => (warmupSteps > 0 && step < warmupSteps ? (lr * (step + 1)) / warmupSteps : lr);
}

/** Linear warmup, then cosine decay from lr to minLr at totalSteps (held at minLr after). */
export function cosineSchedule(options: { lr: number; warmupSteps: number; totalSteps: number; minLr?: number }): Schedule {
  const { lr, warmupSteps, totalSteps } = options;
  const minLr = options.minLr ?? 0;
  const warm = linearWarmup(lr, warmupSteps);
  return (step) => {
    if (step < warmupSteps) return warm(step);
    const t = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
  };
}
