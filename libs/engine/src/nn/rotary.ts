import { Tensor, concat } from "../ir/tensor.ts";

/** Hugging Face's `rope_scaling` kinds that change the rotary frequencies. */
export type RopeScaling =
  | { type: "linear"; factor: number }
  | { type: "llama3"; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number };

/**
 * Inverse frequencies theta^(-2i/R), i < R/2, for R rotated dims, with the scaling rules of HF's
 * rope_scaling: "linear" divides every frequency by `factor` (positions / factor); "llama3" divides
 * low frequencies (wavelength > original/lowFreqFactor) by `factor`, keeps high ones
 * (wavelength < original/highFreqFactor) and blends linearly in between.
 */
export function ropeInverseFrequencies(rotaryDims: number, theta: number, scaling: RopeScaling | null): Float64Array {
  const inv = Float64Array.from({ length: rotaryDims / 2 }, (_, i) => 1 / theta ** ((2 * i) / rotaryDims));
  if (!scaling) return inv;
  if (scaling.type === "linear") return inv.map((f) => f / scaling.factor);
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositions: old } = scaling;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < old / hi) return f;
    if (wavelen > old / lo) return f / factor;
    const smooth = (old / wavelen - lo) / (hi - lo);
    return ((1 - smooth) * f) / factor + smooth * f;
  });
}

/**
 * Rotary position tables for positions 0..maxPositions-1: cos and sin of position x frequency,
 * each (maxPositions, R/2), computed in float64 on the host (the engine has no sin/cos op) and
 * gathered by position in the graph.
 */
export function rotaryTables(maxPositions: number, invFreq: Float64Array): { cos: Tensor; sin: Tensor } {
  const half = invFreq.length;
  const cos = new Float32Array(maxPositions * half);
  const sin = new Float32Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++)
    for (let i = 0; i < half; i++) {
      const a = p * invFreq[i]!;
      cos[p * half + i] = Math.cos(a);
      sin[p * half + i] = Math.sin(a);
    }
  return { cos: Tensor.constant(cos, [maxPositions, half], "float32"), sin: Tensor.constant(sin, [maxPositions, half], "float32") };
}

/**
 * Rotates the first R = 2 * cos.shape[-1] dims of x (B, H, T, D) in the rotate-half convention
 * (GPT-NeoX, Llama): pairs (x_i, x_{i+R/2}) turn by position x frequency_i; dims past R are kept.
 * cos, sin: (B or 1, 1, T, R/2).
 */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const D = x.shape[3] as number;
  const half = cos.shape[3] as number;
  const x1 = x.slice(3, 0, half); // (B, H, T, R/2)
  const x2 = x.slice(3, half, 2 * half); // (B, H, T, R/2)
  const parts = [x1.mul(cos).sub(x2.mul(sin)), x2.mul(cos).add(x1.mul(sin))];
  if (2 * half < D) parts.push(x.slice(3, 2 * half, D));
  return concat(parts, 3); // (B, H, T, D)
}
