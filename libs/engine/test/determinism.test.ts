// Bitwise reproducibility: the same config, seed and thread count must give the same parameter
// bytes after training, across fresh processes (no shared sessions, caches or thread pools).
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
const child = fileURLToPath(new URL("./determinism/train-child.ts", import.meta.url));

async function trainInFreshProcess(): Promise<{ lm: string; rm: string; preference: string }> {
  const { stdout } = await run(process.execPath, [tsxCli, child], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { lm: string; rm: string; preference: string };
}

describe("determinism (2 ORT threads, fresh processes)", () => {
  it("two training runs of a policy LM, a reward model and a preference-trained policy end with bitwise-identical parameters", async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await trainInFreshProcess());
    for (const hash of Object.values(runs[0]!)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(runs[0]!).sort()).toEqual(["lm", "preference", "rm"]);
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  }, 300_000);
});
