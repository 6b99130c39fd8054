import { describe, expect, it } from "vitest";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { DEMO_STUDY } from "@goodhart/objectives";

// The full demo takes minutes; it is timed by tools/bench/objectives.ts, and the same code path
// (runStudy + storage sink) is tested end to end by run.test.ts at test size.
describe("goodhart demo", () => {
  it("is listed in the help and refuses bad options before doing any work", async () => {
    let io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.stdout).toMatch(/^ {2}demo +Run the best-of-n overoptimization demo/m);
    io = captureIo();
    expect(await main(["demo", "--pretrain-steps", "many"], io)).toBe(2);
    expect(io.stderr).toMatch(/--pretrain-steps must be an integer >= 0, got 'many'/);
    io = captureIo();
    expect(await main(["demo", "extra"], io)).toBe(2);
    expect(io.stderr).toMatch(/unexpected argument 'extra'/);
  });

  it("runs the documented defaults: three proxy sizes, k = 5, noise 0 and 0.25", () => {
    expect(DEMO_STUDY.proxySizes.map((p) => p.name)).toEqual(["small", "medium", "large"]);
    expect(DEMO_STUDY.ensemble.size).toBe(5);
    expect(DEMO_STUDY.ensemble.aggregations.map((a) => a.kind)).toEqual(["mean", "wco", "uwo"]);
    expect(DEMO_STUDY.labelNoise).toEqual([0, 0.25]);
    // The Coste comparison with its uncertainty: at least 3 seeds and 100 evaluation prompts.
    expect(DEMO_STUDY.seeds.length).toBeGreaterThanOrEqual(3);
    expect(DEMO_STUDY.bon.evalPrompts).toBeGreaterThanOrEqual(100);
  });
});
