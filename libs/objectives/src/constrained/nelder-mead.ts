/**
 * Nelder-Mead simplex minimisation (Nelder & Mead 1965) with the standard coefficients:
 * reflection 1, expansion 2, contraction 0.5, shrink 0.5.
 *
 * Written as ask / tell so a caller can evaluate a point however it likes, e.g. NM-PPO, which
 * evaluates a threshold vector by training the policy under it for a few steps and asking gold once
 * (the evaluation lives inside a training loop, not in a function call). `minimize` wraps it for
 * an ordinary function.
 */

export const NELDER_MEAD_COEFFICIENTS = { reflection: 1, expansion: 2, contraction: 0.5, shrink: 0.5 } as const;

export interface NelderMeadOptions {
  /** Offset of the initial simplex's vertices from x0 along each axis (one number or one per axis). */
  step: number | readonly number[];
}

type Point = number[];

/**
 * Ask / tell Nelder-Mead. `ask()` gives the next point to evaluate; `tell(f)` reports its value.
 * The simplex is the n + 1 best points seen; `best` the lowest so far.
 */
export class NelderMead {
  readonly #gen: Generator<Point, never, number>;
  #pending: Point | null = null;
  #best: { x: Point; f: number } | null = null;
  #evaluations = 0;
  simplex: { x: Point; f: number }[] = [];

  constructor(x0: readonly number[], options: NelderMeadOptions) {
    const n = x0.length;
    if (n < 1) throw new RangeError("NelderMead: x0 needs at least one coordinate");
    const steps = typeof options.step === "number" ? x0.map(() => options.step as number) : [...options.step];
    if (steps.length !== n || steps.some((s) => !(Math.abs(s) > 0) || !Number.isFinite(s)))
      throw new RangeError(`NelderMead: step must be ${n} finite non-zero offsets; got ${JSON.stringify(options.step)}`);
    if (x0.some((v) => !Number.isFinite(v))) throw new RangeError(`NelderMead: x0 must be finite; got ${JSON.stringify(x0)}`);
    this.#gen = this.#run([...x0], steps);
  }

  get evaluations(): number {
    return this.#evaluations;
  }

  get best(): { x: number[]; f: number } | null {
    return this.#best ? { x: [...this.#best.x], f: this.#best.f } : null;
  }

  /** The next point to evaluate (the same point until it is told). */
  ask(): number[] {
    if (!this.#pending) this.#pending = this.#gen.next(NaN).value;
    return [...this.#pending];
  }

  /** Reports f at the point `ask` gave. @throws Error when nothing was asked, RangeError for NaN */
  tell(f: number): void {
    if (!this.#pending) throw new Error("NelderMead.tell: call ask() first");
    if (Number.isNaN(f)) throw new RangeError("NelderMead.tell: f is NaN");
    const x = this.#pending;
    this.#evaluations++;
    if (!this.#best || f < this.#best.f) this.#best = { x: [...x], f };
    this.#pending = this.#gen.next(f).value;
  }

  /** Largest distance of a vertex from the best vertex (a convergence measure). */
  diameter(): number {
    if (this.simplex.length === 0) return Infinity;
    const b = this.simplex[0]!.x;
    return Math.max(...this.simplex.map((v) => Math.hypot(...v.x.map((c, i) => c - b[i]!))));
  }

  *#run(x0: Point, steps: number[]): Generator<Point, never, number> {
    const n = x0.length;
    const { reflection: a, expansion: g, contraction: r, shrink: s } = NELDER_MEAD_COEFFICIENTS;
    const simplex: { x: Point; f: number }[] = [];
    simplex.push({ x: x0, f: yield x0 });
    for (let i = 0; i < n; i++) {
      const x = [...x0];
      x[i]! += steps[i]!;
      simplex.push({ x, f: yield x });
    }
    const along = (from: Point, to: Point, t: number) => from.map((c, i) => c + t * (to[i]! - c));
    for (;;) {
      simplex.sort((p, q) => p.f - q.f);
      this.simplex = simplex.map((v) => ({ x: [...v.x], f: v.f }));
      const worst = simplex[n]!;
      const centroid = x0.map((_, i) => simplex.slice(0, n).reduce((sum, v) => sum + v.x[i]!, 0) / n);
      // Reflection: xr = c + a (c - worst).
      const xr = along(centroid, worst.x, -a);
      const fr: number = yield xr;
      if (fr < simplex[0]!.f) {
        const xe = along(centroid, worst.x, -g);
        const fe: number = yield xe;
        simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
        continue;
      }
      if (fr < simplex[n - 1]!.f) {
        simplex[n] = { x: xr, f: fr };
        continue;
      }
      // Contraction: outside when the reflection beat the worst, else inside.
      const outside = fr < worst.f;
      const xc = outside ? along(centroid, xr, r) : along(centroid, worst.x, r);
      const fc: number = yield xc;
      if (fc < (outside ? fr : worst.f)) {
        simplex[n] = { x: xc, f: fc };
        continue;
      }
      // Shrink every vertex towards the best.
      for (let i = 1; i <= n; i++) {
        const x = along(simplex[0]!.x, simplex[i]!.x, s);
        simplex[i] = { x, f: yield x };
      }
    }
  }
}

/** Minimises f from x0 with at most `maxEvaluations` calls, or until the simplex is smaller than `tolerance`. */
export function minimize(
  f: (x: number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions & { maxEvaluations?: number; tolerance?: number },
): { x: number[]; f: number; evaluations: number } {
  const nm = new NelderMead(x0, options);
  const max = options.maxEvaluations ?? 200 * x0.length;
  const tol = options.tolerance ?? 1e-8;
  while (nm.evaluations < max) {
    nm.tell(f(nm.ask()));
    if (nm.simplex.length === x0.length + 1 && nm.diameter() < tol) break;
  }
  const best = nm.best!;
  return { x: best.x, f: best.f, evaluations: nm.evaluations };
}
