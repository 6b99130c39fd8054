/**
 * Keep-best (rl-study `onset.action: keep-best`): the policy of the evaluation before a chosen
 * onset signal first fired is kept as the run's best checkpoint, while training goes on.
 *
 * The signal is judged at an evaluation, so the policy to keep is that of the previous evaluation:
 * each evaluation writes its policy as a candidate (`candidate-<step>.safetensors`, the two latest
 * kept), and the firing evaluation renames the previous candidate to `best.safetensors` and writes
 * `best.json` last (the best checkpoint counts once it exists). Candidates live on disk rather than
 * in memory so a run resumed from its RL checkpoint still finds the previous evaluation's policy.
 *
 *   <dir>/best.safetensors   policy and value head at `step` (float32, by parameter name)
 *   <dir>/best.json          {format, version, step, firedAtStep}
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, type ParameterStore } from "@goodhart/engine";
import { loadPolicyParams, savePolicyParams } from "./checkpoint.ts";

export interface BestCheckpoint {
  /** The evaluation step whose policy is kept. */
  step: number;
  /** The evaluation step at which the signal fired. */
  firedAtStep: number;
  dir: string;
  params: string;
}

const FORMAT = "goodhart-rl-best";
const candidateName = (step: number) => `candidate-${step}.safetensors`;

function candidateSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^candidate-(\d+)\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The run's best checkpoint in `dir`, or null when none was kept. */
export function readBestCheckpoint(dir: string): BestCheckpoint | null {
  const file = join(dir, "best.json");
  if (!existsSync(file)) return null;
  const s = JSON.parse(readFileSync(file, "utf8")) as { format: string; version: number; step: number; firedAtStep: number };
  if (s.format !== FORMAT || s.version !== 1) throw new Error(`${file}: not a best checkpoint (format ${JSON.stringify(s.format)})`);
  return { step: s.step, firedAtStep: s.firedAtStep, dir, params: join(dir, "best.safetensors") };
}

/** Restores the best checkpoint's parameters into `store`. */
export async function loadBestCheckpoint(dir: string, store: ParameterStore): Promise<BestCheckpoint> {
  const best = readBestCheckpoint(dir);
  if (!best) throw new Error(`${dir}: no best checkpoint (best.json is missing)`);
  await loadPolicyParams(best.params, store);
  return best;
}

/** Writes the policy at evaluation `step` as a candidate and drops all but the two latest candidates. */
export async function saveBestCandidate(dir: string, step: number, store: ParameterStore): Promise<void> {
  await mkdir(dir, { recursive: true });
  await savePolicyParams(join(dir, candidateName(step)), store);
  const steps = candidateSteps(dir);
  for (const old of steps.slice(0, Math.max(0, steps.length - 2))) await rm(join(dir, candidateName(old)), { force: true });
}

/**
 * The signal fired at evaluation `firedAtStep`: the latest candidate before it becomes the best
 * checkpoint (candidates after it, left by an attempt that crashed, are ignored).
 * @throws Error when no earlier candidate exists (the signal cannot fire at the first evaluation)
 */
export async function keepBestCandidate(dir: string, firedAtStep: number): Promise<BestCheckpoint> {
  const step = candidateSteps(dir)
    .filter((s) => s < firedAtStep)
    .at(-1);
  if (step === undefined) throw new Error(`${dir}: no candidate policy before step ${firedAtStep} to keep`);
  await rename(join(dir, candidateName(step)), join(dir, "best.safetensors"));
  await writeFileAtomic(join(dir, "best.json"), Buffer.from(JSON.stringify({ format: FORMAT, version: 1, step, firedAtStep })));
  for (const s of candidateSteps(dir)) await rm(join(dir, candidateName(s)), { force: true });
  return readBestCheckpoint(dir)!;
}
