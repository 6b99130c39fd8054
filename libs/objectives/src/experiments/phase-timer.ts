/**
 * Wall time per phase of a study (pretraining, sampling, training, ...), reported with its result
 * so a slow study says where its time went.
 */

/** Returns `timed(phase, fn)`: awaits `fn` and adds its seconds to `timings[phase]`, also when it throws. */
export function phaseTimer<P extends string>(timings: Partial<Record<P, number>>): <T>(phase: P, fn: () => Promise<T>) => Promise<T> {
  return async (phase, fn) => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[phase] = (timings[phase] ?? 0) + (performance.now() - t0) / 1000;
    }
  };
}
