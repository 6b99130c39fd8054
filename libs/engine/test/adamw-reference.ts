// A float64 AdamW written out by hand, for the optimizer tests.

/** Reference AdamW written out for one scalar-per-element parameter, float64. */
export function referenceAdamW(
  p: number[],
  grads: number[][],
  o: { lr: number; b1: number; b2: number; eps: number; wd: number; clip?: number },
): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    const norm = Math.sqrt(g0.reduce((s, x) => s + x * x, 0));
    const scale = o.clip === undefined ? 1 : Math.min(1, o.clip / (norm + 1e-6));
    p.forEach((_, i) => {
      const g = g0[i]! * scale;
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g * g;
      const mh = m[i]! / (1 - o.b1 ** t);
      const vh = v[i]! / (1 - o.b2 ** t);
      p[i] = p[i]! - o.lr * o.wd * p[i]! - (o.lr * mh) / (Math.sqrt(vh) + o.eps);
    });
  });
  return p;
}
