// softplus and logSigmoid stay finite and exact in the tails where the naive forms overflow or
// underflow (float32, the dtype models train in), in values and in gradients.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/index.ts";
import { createRuntime, grad, hostTensor, input } from "../src/index.ts";

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ device: "cpu", threads: 1 });
});
afterAll(async () => {
  await rt.release();
});

const xs = [-100, -30, -1, 0, 1, 30, 100];
const softplusRef = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoidRef = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

async function valuesAndGrads(dtype: "float32" | "float64", f: "softplus" | "logSigmoid" | "naive") {
  const x = input("x", dtype, [xs.length]);
  const y = f === "softplus" ? x.softplus() : f === "logSigmoid" ? x.logSigmoid() : x.sigmoid().log();
  const [g] = grad(y.sum(), [x]);
  const s = await rt.session({ outputs: { y, g: g! } });
  const data = dtype === "float32" ? Float32Array.from(xs) : Float64Array.from(xs);
  const out = await s.run({ x: hostTensor(data, [xs.length]) });
  return { y: [...(out.y!.data as Float32Array)], g: [...(out.g!.data as Float32Array)] };
}

/** |a - b| within a relative tolerance, or both tiny (float32 denormals flush to 0). */
function close(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= rel * Math.abs(b) + 1e-37;
}

describe("softplus and logSigmoid", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const rel = dtype === "float32" ? 2e-7 : 1e-14;
    it(`softplus(x) and its gradient sigmoid(x) at x = ${xs} (${dtype})`, async () => {
      const { y, g } = await valuesAndGrads(dtype, "softplus");
      xs.forEach((x, i) => {
        expect(Number.isFinite(y[i]!) && Number.isFinite(g[i]!), `x=${x}`).toBe(true);
        expect(close(y[i]!, softplusRef(x), rel), `softplus(${x}) = ${y[i]}, want ${softplusRef(x)}`).toBe(true);
        expect(close(g[i]!, sigmoidRef(x), rel), `softplus'(${x}) = ${g[i]}, want ${sigmoidRef(x)}`).toBe(true);
      });
      expect(y[xs.indexOf(0)]).toBeCloseTo(Math.LN2, dtype === "float32" ? 6 : 14);
      expect(g[xs.indexOf(0)]).toBeCloseTo(0.5, dtype === "float32" ? 7 : 15);
    });

    it(`logSigmoid(x) = -softplus(-x) and its gradient sigmoid(-x) at x = ${xs} (${dtype})`, async () => {
      const { y, g } = await valuesAndGrads(dtype, "logSigmoid");
      xs.forEach((x, i) => {
        expect(Number.isFinite(y[i]!) && Number.isFinite(g[i]!), `x=${x}`).toBe(true);
        expect(close(y[i]!, -softplusRef(-x), rel), `logSigmoid(${x}) = ${y[i]}, want ${-softplusRef(-x)}`).toBe(true);
        expect(close(g[i]!, sigmoidRef(-x), rel), `logSigmoid'(${x}) = ${g[i]}`).toBe(true);
      });
      expect(y[0]).toBe(-100);
      expect(g[0]).toBe(1);
    });
  }

  it("the naive sigmoid().log() this replaces is -inf at x = -100 in float32", async () => {
    const { y } = await valuesAndGrads("float32", "naive");
    expect(y[0]).toBe(-Infinity);
  });
});
