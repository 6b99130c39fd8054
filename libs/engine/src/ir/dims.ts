/**
 * A dimension: a static size, or a symbolic one. Symbolic dimensions are names such as `"batch"`
 * or small integer expressions over names (`"batch*seq"`, `"seq-1"`) that the compiler resolves
 * at run time from the shapes of tensors that carry them.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export function isStaticShape(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === "number");
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEquals(d, b[i]!));
}

/** Number of elements of a static shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** A dim as an operand of a parseable expression (the grammar has no unary minus). */
function wrap(d: Dim): string {
  if (typeof d === "number") return d < 0 ? `(0-${-d})` : String(d);
  return /^[A-Za-z_]\w*$/.test(d) ? d : `(${d})`;
}

/** a * b, in canonical form (static when both are). */
export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  return canonicalDim(`${wrap(a)}*${wrap(b)}`);
}

/** a + b, in canonical form (static when both are). */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  return canonicalDim(`${wrap(a)}+${wrap(b)}`);
}

/** a - b, in canonical form (static when both are). */
export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return canonicalDim(`${wrap(a)}-${wrap(b)}`);
}

/** Product of all dims. */
export function dimProduct(dims: Shape): Dim {
  return dims.reduce<Dim>((p, d) => dimMul(p, d), 1);
}

/**
 * NumPy broadcasting of two shapes. Symbolic dims broadcast only against 1 or the same symbol:
 * a symbol is assumed never to be 1 at run time.
 */
export function broadcastShapes(a: Shape, b: Shape, what = "broadcast"): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (dimEquals(da, db) || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else throw new Error(`${what}: shapes ${shapeToString(a)} and ${shapeToString(b)} do not broadcast (axis ${i})`);
  }
  return out;
}

/** Normalises a possibly negative axis against a rank, with a clear error. */
export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Parsed symbolic dim expression: names, integers, + - * and parentheses. */
export type DimExpr =
  { kind: "num"; value: number } | { kind: "sym"; name: string } | { kind: "bin"; op: "+" | "-" | "*"; left: DimExpr; right: DimExpr };

export function parseDim(dim: Dim): DimExpr {
  if (typeof dim === "number") return { kind: "num", value: dim };
  const tokens = dim.match(/[A-Za-z_]\w*|\d+|[-+*()]/g) ?? [];
  if (tokens.join("") !== dim.replace(/\s+/g, "")) throw new Error(`bad symbolic dim "${dim}"`);
  let pos = 0;
  const peek = () => tokens[pos];
  const atom = (): DimExpr => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`bad symbolic dim "${dim}": unexpected end`);
    if (t === "(") {
      const e = sum();
      if (tokens[pos++] !== ")") throw new Error(`bad symbolic dim "${dim}": missing )`);
      return e;
    }
    if (/^\d+$/.test(t)) return { kind: "num", value: Number(t) };
    if (/^[A-Za-z_]/.test(t)) return { kind: "sym", name: t };
    throw new Error(`bad symbolic dim "${dim}": unexpected ${t}`);
  };
  const product = (): DimExpr => {
    let e = atom();
    while (peek() === "*") {
      pos++;
      e = { kind: "bin", op: "*", left: e, right: atom() };
    }
    return e;
  };
  const sum = (): DimExpr => {
    let e = product();
    while (peek() === "+" || peek() === "-") {
      const op = tokens[pos++] as "+" | "-";
      e = { kind: "bin", op, left: e, right: product() };
    }
    return e;
  };
  const e = sum();
  if (pos !== tokens.length) throw new Error(`bad symbolic dim "${dim}"`);
  return e;
}

/** Evaluates a dim given values for its symbols. */
export function evalDim(dim: Dim, env: Readonly<Record<string, number>>): number {
  const go = (e: DimExpr): number => {
    if (e.kind === "num") return e.value;
    if (e.kind === "sym") {
      const v = env[e.name];
      if (v === undefined) throw new Error(`no value for symbolic dim "${e.name}"`);
      return v;
    }
    const l = go(e.left);
    const r = go(e.right);
    return e.op === "+" ? l + r : e.op === "-" ? l - r : l * r;
  };
  return go(parseDim(dim));
}

/**
 * A symbolic dim as a polynomial with integer coefficients: monomial -> coefficient, where a
 * monomial is its sorted symbol names joined by "*" ("" for the constant term).
 */
type Polynomial = Map<string, number>;

function polynomial(e: DimExpr): Polynomial {
  if (e.kind === "num") return new Map([["", e.value]]);
  if (e.kind === "sym") return new Map([[e.name, 1]]);
  const l = polynomial(e.left);
  const r = polynomial(e.right);
  const out: Polynomial = new Map();
  const add = (mono: string, c: number) => out.set(mono, (out.get(mono) ?? 0) + c);
  if (e.op === "*") {
    for (const [ml, cl] of l) {
      for (const [mr, cr] of r) {
        const names = [...(ml ? ml.split("*") : []), ...(mr ? mr.split("*") : [])].sort();
        add(names.join("*"), cl * cr);
      }
    }
  } else {
    for (const [m, c] of l) add(m, c);
    for (const [m, c] of r) add(m, e.op === "+" ? c : -c);
  }
  return out;
}

/** Renders a polynomial: symbolic terms by name, the constant last ("batch+seq-1", "2*batch"). */
function renderPolynomial(p: Polynomial): Dim {
  const terms = [...p].filter(([, c]) => c !== 0);
  const constant = terms.find(([m]) => m === "")?.[1] ?? 0;
  const symbolic = terms.filter(([m]) => m !== "").sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (symbolic.length === 0) return constant;
  let text = "";
  for (const [mono, c] of symbolic) {
    const body = Math.abs(c) === 1 ? mono : `${Math.abs(c)}*${mono}`;
    text += text === "" ? (c < 0 ? `0-${body}` : body) : `${c < 0 ? "-" : "+"}${body}`;
  }
  if (constant !== 0) text += `${constant < 0 ? "-" : "+"}${Math.abs(constant)}`;
  return text;
}

const canonicalCache = new Map<string, Dim>();

/**
 * The canonical form of a dim: symbolic expressions are expanded into a sum of monomials with
 * integer coefficients, so equal expressions compare equal as strings (`3+(batch-3)` is `batch`,
 * `(seq-1)+1` is `seq`). Without this, `grad` after slicing a symbolic axis produced shapes such
 * as `[3+(batch-3)]` that did not match the input's `[batch]`. Dims that do not parse are
 * returned unchanged (the compiler reports them).
 */
export function canonicalDim(dim: Dim): Dim {
  if (typeof dim === "number") return dim;
  let c = canonicalCache.get(dim);
  if (c === undefined) {
    try {
      c = renderPolynomial(polynomial(parseDim(dim)));
    } catch {
      c = dim;
    }
    canonicalCache.set(dim, c);
  }
  return c;
}

/** Whether two dims are provably equal (same canonical form). */
export function dimEquals(a: Dim, b: Dim): boolean {
  return a === b || canonicalDim(a) === canonicalDim(b);
}

/**
 * When `dim` is `k*name + c` (linear in the one symbol `name`, nothing else), returns k and c, so
 * a symbol carried only inside such a dim (a batch of `2*pairs` rows) can be solved for.
 */
export function linearIn(dim: Dim, name: string): { k: number; c: number } | null {
  if (typeof dim === "number") return null;
  let p: Polynomial;
  try {
    p = polynomial(parseDim(dim));
  } catch {
    return null;
  }
  const k = p.get(name) ?? 0;
  if (k === 0 || [...p.keys()].some((m) => m !== "" && m !== name)) return null;
  return { k, c: p.get("") ?? 0 };
}
