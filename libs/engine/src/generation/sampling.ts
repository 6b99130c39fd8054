/** How the next token is drawn from a row of logits. */
export interface SamplingOptions {
  /** Divides the logits before softmax; 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 keeps all. Default 0. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (after top-k); 1 keeps all. Default 1. */
  topP?: number;
}

export type ResolvedSamplingOptions = Required<SamplingOptions>;

export function resolveSamplingOptions(o: SamplingOptions): ResolvedSamplingOptions {
  const r = { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1 };
  if (!(r.temperature >= 0) || !Number.isFinite(r.temperature)) throw new Error(`sampling: temperature must be a finite number >= 0, got ${o.temperature}`);
  if (!Number.isInteger(r.topK) || r.topK < 0) throw new Error(`sampling: topK must be a non-negative integer, got ${o.topK}`);
  if (!(r.topP > 0 && r.topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${o.topP}`);
  return r;
}

type Logits = ArrayLike<number>;

/** Index of the largest logit (first on ties). */
export function argmax(logits: Logits, offset = 0, length = logits.length - offset): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** log softmax(logits)[token] in float64: the model's own (temperature-1) log-probability. */
export function logSoftmaxAt(logits: Logits, token: number, offset = 0, length = logits.length - offset): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(logits[offset + i]! - max);
  return logits[offset + token]! - max - Math.log(sum);
}

/** Indices of the k largest logits, largest first (lower index first on ties). */
function largest(logits: Logits, offset: number, length: number, k: number): number[] {
  if (k * 8 >= length) return Array.from({ length }, (_, i) => i).sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b).slice(0, k);
  // Small k: keep a sorted list of the best k seen, O(length * k) without allocating per element.
  const top: number[] = [];
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i]!;
    if (top.length === k && v <= logits[offset + top[k - 1]!]!) continue;
    let j = top.length < k ? top.length : k - 1;
    while (j > 0 && logits[offset + top[j - 1]!]! < v) {
      if (j < k) top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }
  return top;
}

/**
 * The tokens sampling may emit, most likely first, with their renormalised probabilities under
 * temperature, top-k and then top-p (the order Hugging Face applies them). Greedy: the argmax only.
 */
export function candidateTokens(logits: Logits, options: ResolvedSamplingOptions, offset = 0, length = logits.length - offset): { tokens: number[]; probs: number[] } {
  if (options.temperature === 0) return { tokens: [argmax(logits, offset, length)], probs: [1] };
  const kept = largest(logits, offset, length, options.topK > 0 ? Math.min(options.topK, length) : length);
  const max = logits[offset + kept[0]!]!;
  const weights = kept.map((t) => Math.exp((logits[offset + t]! - max) / options.temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let probs = weights.map((w) => w / total);
  let n = probs.length;
  if (options.topP < 1) {
    let cum = 0;
    n = 0;
    // Smallest prefix whose mass reaches p; the top token always stays.
    while (n < probs.length && (n === 0 || cum < options.topP)) cum += probs[n++]!;
    const mass = probs.slice(0, n).reduce((s, p) => s + p, 0);
    probs = probs.slice(0, n).map((p) => p / mass);
  }
  return { tokens: kept.slice(0, n), probs };
}

/** Draws one token given a uniform number u in [0, 1). */
export function sampleToken(logits: Logits, options: ResolvedSamplingOptions, u: number, offset = 0, length = logits.length - offset): number {
  if (options.temperature === 0) return argmax(logits, offset, length);
  if (options.topK === 0 && options.topP === 1) {
    // Plain sampling needs no ordering: one pass for the normaliser, one for the draw.
    let max = -Infinity;
    for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]!);
    let total = 0;
    for (let i = 0; i < length; i++) total += Math.exp((logits[offset + i]! - max) / options.temperature);
    const target = u * total;
    let cum = 0;
    for (let i = 0; i < length; i++) {
      cum += Math.exp((logits[offset + i]! - max) / options.temperature);
      if (target < cum) return i;
    }
    return argmax(logits, offset, length);
  }
  const { tokens, probs } = candidateTokens(logits, options, offset, length);
  let cum = 0;
  for (let i = 0; i < tokens.length; i++) {
    cum += probs[i]!;
    if (u < cum) return tokens[i]!;
  }
  return tokens[tokens.length - 1]!;
}
