/**
 * A PPO run stopped after a checkpoint and resumed in a new policy and trainer equals the
 * uninterrupted run: the same evaluations and bitwise-identical parameters (policy and value head).
 * Keep-best keeps the policy of the evaluation before its signal fired, bit for bit, also when
 * the run was stopped and resumed in between.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gpt, createRuntime, type Runtime } from "@goodhart/engine";
import { createTask } from "../task/task.ts";
import { WordTokenizer } from "../task/word-tokenizer.ts";
import { goldReward } from "./rewards.ts";
import { loadBestCheckpoint, readBestCheckpoint } from "./keep-best.ts";
import { RlPolicy } from "./policy.ts";
import { PPO_DEFAULTS, trainPolicy, type RlTrainingConfig, type RlTrainingDeps } from "./train.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-rl-checkpoint-"));
let runtime: Runtime;
beforeAll(async () => (runtime = await createRuntime({ device: "cpu", threads: 2 })));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny run on the built-in task: a 1-layer policy, gold as the reward, an evaluation every 2 steps. */
function tinyRun(
  loop: Pick<RlTrainingConfig, "algorithm" | "steps" | "promptsPerStep" | "samplesPerPrompt" | "kl">,
  seed: number,
): RlTrainingDeps {
  const task = createTask(0, { prompts: { train: 50, validation: 5, test: 10 } });
  const tokenizer = new WordTokenizer(task.vocabulary);
  const base = new Gpt({ vocab: tokenizer.vocabSize, maxSeq: 64, dModel: 16, nHeads: 2, nLayers: 1 }, { seed: 3 });
  const config: RlTrainingConfig = {
    ...loop,
    lr: 3e-3,
    valueLr: 3e-3,
    maxGradNorm: 1,
    whitenAdvantages: true,
    ppo: PPO_DEFAULTS,
    eval: { every: 2, prompts: 4, samplesPerPrompt: 1 },
  };
  return { runtime, base, task, tokenizer, reward: goldReward(task), config, seed };
}

/** A parameter's exact bytes, for bit-for-bit comparisons. */
const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

describe("RL checkpoints", () => {
  it("resuming from a checkpoint reproduces the uninterrupted run bit for bit", async () => {
    const deps = tinyRun(
      {
        algorithm: "ppo",
        steps: 4,
        promptsPerStep: 6,
        samplesPerPrompt: 1,
        kl: { kind: "adaptive", initial: 0.05, target: 1, horizon: 100 },
      },
      5,
    );
    const full = await trainPolicy(deps);

    const ckpt = path.join(dir, "run");
    await trainPolicy({ ...deps, checkpoint: { dir: ckpt, every: 2 }, afterStep: (s) => s === 2 }); // stops after step 2
    let restoredAt = -1;
    const resumed = await trainPolicy({
      ...deps,
      checkpoint: { dir: ckpt, every: 2 },
      resume: true,
      onRestore: (_evals, step) => (restoredAt = step),
    });
    expect(restoredAt).toBe(2);
    expect(resumed.evals.map((e) => e.step)).toEqual([0, 2, 4]);
    expect(resumed.evals).toEqual(full.evals);
    expect(resumed.finalKlCoef).toBe(full.finalKlCoef);
    for (const p of full.rl.policy.store.list()) expect(bytes(resumed.rl.policy.store.get(p.name).value).equals(bytes(p.value))).toBe(true);

    // A stop requested at an evaluation (an onset signal fired) ends the run right there.
    const stopped = await trainPolicy({ ...deps, stopAfterEvaluation: () => true });
    expect(stopped.steps).toBe(0);
    expect(stopped.evals.map((e) => e.step)).toEqual([0]);
  }, 90_000);

  it("keep-best keeps the previous evaluation's policy when the signal fires, also across a resume", async () => {
    const deps = tinyRun({ algorithm: "rloo", steps: 6, promptsPerStep: 3, samplesPerPrompt: 2, kl: { kind: "fixed", coef: 0 } }, 9);
    const base = deps.base;
    // The policy after step 2 (the evaluation before the one the signal fires at).
    const atTwo = await trainPolicy({ ...deps, afterStep: (s) => s === 2 });
    const full = await trainPolicy(deps);
    // A stand-in signal that fires at the evaluation of step 4 (the onset rules are tested in onset.test.ts).
    const firesAtFour = (evals: { step: number }[]) => () => evals.at(-1)?.step === 4 || evals.some((e) => e.step > 4);

    const fresh = path.join(dir, "keep-best-fresh");
    const seen: { step: number }[] = [];
    const kept = await trainPolicy({ ...deps, onEval: (p) => seen.push(p), keepBest: { dir: fresh, fired: firesAtFour(seen) } });
    expect(kept.best).toMatchObject({ step: 2, firedAtStep: 4 });
    expect(readBestCheckpoint(fresh)).toMatchObject({ step: 2, firedAtStep: 4 });
    // Training went on to the end, unchanged by keeping a checkpoint.
    expect(kept.evals).toEqual(full.evals);
    const restored = new RlPolicy(base, 1);
    await loadBestCheckpoint(fresh, restored.policy.store);
    for (const p of atTwo.rl.policy.store.list()) expect(bytes(restored.policy.store.get(p.name).value).equals(bytes(p.value))).toBe(true);
    expect(readdirSync(fresh).sort()).toEqual(["best.json", "best.safetensors"]); // candidates removed

    // Stopped after step 2 (before the signal fired) and resumed from its RL checkpoint: the same best checkpoint.
    const resumedDir = path.join(dir, "keep-best-resumed");
    const ckpt = path.join(dir, "keep-best-ckpt");
    const firstAttempt: { step: number }[] = [];
    await trainPolicy({
      ...deps,
      checkpoint: { dir: ckpt, every: 2 },
      onEval: (p) => firstAttempt.push(p),
      keepBest: { dir: resumedDir, fired: firesAtFour(firstAttempt) },
      afterStep: (s) => s === 2,
    });
    expect(readBestCheckpoint(resumedDir)).toBeNull();
    const secondAttempt: { step: number }[] = [];
    const resumed = await trainPolicy({
      ...deps,
      checkpoint: { dir: ckpt, every: 2 },
      resume: true,
      onRestore: (evals) => secondAttempt.push(...evals),
      onEval: (p) => secondAttempt.push(p),
      keepBest: { dir: resumedDir, fired: firesAtFour(secondAttempt) },
    });
    expect(resumed.best).toMatchObject({ step: 2, firedAtStep: 4 });
    expect(resumed.evals).toEqual(full.evals);
    await loadBestCheckpoint(resumedDir, restored.policy.store);
    for (const p of atTwo.rl.policy.store.list()) expect(bytes(restored.policy.store.get(p.name).value).equals(bytes(p.value))).toBe(true);

    // A fresh start clears a best checkpoint an earlier attempt left behind.
    const never = await trainPolicy({ ...deps, keepBest: { dir: fresh, fired: () => false } });
    expect(never.best).toBeNull();
    expect(readBestCheckpoint(fresh)).toBeNull();
  }, 120_000);
});
