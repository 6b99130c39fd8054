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
  if (!(r.temperature >= 0) || !Number.isFinite(r.temperature))
    throw new Error(`sampling: temperature must be a finite number >= 0, got ${o.temperature}`);
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

/**
 * Indices of a smallest "upper set" of a row, {i : logit_i >= threshold}, whose measure reaches
 * `need`: the count of its members, or with `weights` the sum of their weights. Weighted
 * quickselect: O(length) expected, no sort of the whole vocabulary (a 50k-token row took 40 ms
 * per row to sort). The set is returned unordered; ties at the threshold are all included.
 */
function upperSet(logits: Logits, offset: number, length: number, need: number, weights?: Float64Array): Int32Array {
  const idx = new Int32Array(length);
  for (let i = 0; i < length; i++) idx[i] = i;
  const measure = (i: number) => (weights ? weights[i]! : 1);
  let lo = 0;
  let hi = length;
  let acc = 0; // measure of idx[0..lo), confirmed members
  while (lo < hi) {
    // Median of three as pivot keeps sorted or constant rows from going quadratic.
    const a = logits[offset + idx[lo]!]!;
    const b = logits[offset + idx[(lo + hi) >> 1]!]!;
    const c = logits[offset + idx[hi - 1]!]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    // Three-way partition of idx[lo..hi): greater | equal | less.
    let gt = lo;
    let i = lo;
    let lt = hi;
    let sumGreater = 0;
    let sumEqual = 0;
    while (i < lt) {
      const t = idx[i]!;
      const v = logits[offset + t]!;
      if (v > pivot) {
        idx[i++] = idx[gt]!;
        idx[gt++] = t;
        sumGreater += measure(t);
      } else if (v < pivot) {
        idx[i] = idx[--lt]!;
        idx[lt] = t;
      } else {
        i++;
        sumEqual += measure(t);
      }
    }
    if (acc + sumGreater >= need) hi = gt;
    else if (acc + sumGreater + sumEqual >= need) return idx.slice(0, lt);
    else {
      acc += sumGreater + sumEqual;
      lo = lt;
    }
  }
  return idx.slice(0, lo);
}

/** Sorts token indices largest logit first, lower index first on ties. */
function byLogit(logits: Logits, offset: number, tokens: ArrayLike<number>): number[] {
  return Array.from(tokens).sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b);
}

/** Indices of the k largest logits, largest first (lower index first on ties). */
function largest(logits: Logits, offset: number, length: number, k: number): number[] {
  if (k >= length)
    return byLogit(
      logits,
      offset,
      Array.from({ length }, (_, i) => i),
    );
  return byLogit(logits, offset, upperSet(logits, offset, length, k)).slice(0, k);
}

/**
 * The tokens sampling may emit, most likely first, with their renormalised probabilities under
 * temperature, top-k and then top-p (the order Hugging Face applies them). Greedy: the argmax only.
 * Only the kept tokens are sorted: top-k selects its k first, and top-p alone first selects the
 * smallest upper set holding mass p (a little more, for rounding), then sorts just that.
 */
export function candidateTokens(
  logits: Logits,
  options: ResolvedSamplingOptions,
  offset = 0,
  length = logits.length - offset,
): { tokens: number[]; probs: number[] } {
  if (options.temperature === 0) return { tokens: [argmax(logits, offset, length)], probs: [1] };
  const T = options.temperature;
  const k = options.topK > 0 ? Math.min(options.topK, length) : length;
  let kept: number[];
  let total = 0;
  let max = -Infinity;
  if (k === length && options.topP < 1) {
    for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]!);
    const weights = new Float64Array(length);
    for (let i = 0; i < length; i++) total += weights[i] = Math.exp((logits[offset + i]! - max) / T);
    kept = byLogit(logits, offset, upperSet(logits, offset, length, Math.min(total, options.topP * total * (1 + 1e-9)), weights));
  } else {
    kept = largest(logits, offset, length, k);
    max = logits[offset + kept[0]!]!;
    for (const t of kept) total += Math.exp((logits[offset + t]! - max) / T);
  }
  let probs = kept.map((t) => Math.exp((logits[offset + t]! - max) / T) / total);
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
export function sampleToken(
  logits: Logits,
  options: ResolvedSamplingOptions,
  u: number,
  offset = 0,
  length = logits.length - offset,
): number {
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
