// `goodhart run` refuses, before any work, a study whose models cannot fit in memory (issue 18):
// a real CLI invocation on a real SQLite file, with a base policy of about 52 billion parameters.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-run-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 64 layers x d8192: about 52 billion parameters, 190 GB of float32 before any optimizer state.
const HUGE_POLICY = "basePolicy: {layers: 64, dModel: 8192, heads: 64, pretrainSteps: 20}";
const STUDIES = {
  // The best-of-n study runs in the desktop service's own worker (service/experiments/bon-study.ts).
  "bon-study": `name: too-big-bon
task: {seed: 0, prompts: {train: 200, validation: 20, test: 20}}
${HUGE_POLICY}
proxySizes: [{name: tiny, layers: 1, dModel: 16, heads: 2}]
trainingSizes: [64]
labelNoise: [0.25]
ensemble: {size: 1, aggregations: [mean]}
bon: {poolSize: 8, evalPrompts: 4}
seeds: [1]
`,
  // The RL study runs through the kind adapter (libs/objectives' kinds/rl/run.ts).
  "rl-study": `kind: rl-study
name: too-big-rl
${HUGE_POLICY}
`,
};

describe("goodhart run on a study that cannot fit in memory", () => {
  for (const [kind, yaml] of Object.entries(STUDIES)) {
    it(`${kind}: refused in seconds with the estimate, the free memory and the field to lower; nothing trained or stored`, async () => {
      const file = path.join(dir, `${kind}.yaml`);
      writeFileSync(file, yaml);
      const db = path.join(dir, `${kind}.sqlite`);
      const io = captureIo();
      const started = performance.now();
      const code = await main(["run", file, "--db", db], io);
      const seconds = (performance.now() - started) / 1000;
      const output = io.stdout + io.stderr;
      expect(code).not.toBe(0);
      expect(output).toMatch(
        /too-big-\w+ \(base policy pretraining\) needs about \d+\.\d\d GB \(parameters \d+\.\d\d GB, optimizer state \d+\.\d\d GB, gradients \d+\.\d\d GB, activations \d+\.\d\d GB/,
      );
      expect(output).toMatch(/but only \d+\.\d\d GB of free RAM is left/);
      expect(output).toMatch(/base policy \(full, batch 32 x 64 tokens; sized by basePolicy\.dModel\/layers\)/);
      expect(seconds).toBeLessThan(30);
      const store = openDatabase(db);
      try {
        const runs = store.runs.list();
        expect(runs.length).toBeGreaterThan(0);
        for (const run of runs) {
          expect(run.status).toBe("failed");
          expect(run.error).toMatch(/needs about \d+\.\d\d GB/);
          expect(store.curves.series(run.id)).toEqual([]);
        }
        expect(store.models.list()).toEqual([]);
      } finally {
        store.close();
      }
    }, 60_000);
  }
});
