/**
 * The KL coefficient beta of the penalty r_t - beta * KL_t: fixed, or adaptive (Ziegler et al.
 * 2019, eq. 2): e = clip(KL / target - 1, -0.2, 0.2), beta <- beta (1 + e * n / horizon), with n
 * the samples in the batch that measured KL.
 */
export type KlControl = { kind: "fixed"; coef: number } | { kind: "adaptive"; initial: number; target: number; horizon: number };

export class KlController {
  #coef: number;

  constructor(readonly control: KlControl) {
    if (control.kind === "fixed") {
      if (!(control.coef >= 0)) throw new RangeError(`KL coefficient must be >= 0; got ${control.coef}`);
      this.#coef = control.coef;
    } else {
      if (!(control.initial >= 0) || !(control.target > 0) || !(control.horizon > 0)) {
        throw new RangeError(`adaptive KL control needs initial >= 0, target > 0 and horizon > 0; got ${JSON.stringify(control)}`);
      }
      this.#coef = control.initial;
    }
  }

  get coef(): number {
    return this.#coef;
  }

  /** Feeds the batch's mean sequence KL; a fixed controller ignores it. */
  update(meanKl: number, samples: number): number {
    if (this.control.kind === "adaptive" && Number.isFinite(meanKl)) {
      const e = Math.min(0.2, Math.max(-0.2, meanKl / this.control.target - 1));
      this.#coef *= 1 + (e * samples) / this.control.horizon;
    }
    return this.#coef;
  }

  /** For checkpoints. */
  restore(coef: number): void {
    this.#coef = coef;
  }
}
