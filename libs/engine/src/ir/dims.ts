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
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Number of elements of a static shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function wrap(d: Dim): string {
  return typeof d === "number" || /^[A-Za-z_]\w*$/.test(d) ? String(d) : `(${d})`;
}

/** a * b, folded when static. */
export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  return `${wrap(a)}*${wrap(b)}`;
}

/** a + b, folded when static. */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  if (typeof b === "number" && b < 0) return `${wrap(a)}-${-b}`;
  return `${wrap(a)}+${wrap(b)}`;
}

/** a - b, folded when static. */
export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (b === 0) return a;
  if (a === b) return 0;
  return `${wrap(a)}-${wrap(b)}`;
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
    if (da === db || db === 1) out.push(da);
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
  | { kind: "num"; value: number }
  | { kind: "sym"; name: string }
  | { kind: "bin"; op: "+" | "-" | "*"; left: DimExpr; right: DimExpr };

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
