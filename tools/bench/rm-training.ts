// Reward-model training of the demo's proxies, measured four ways back to back in one process:
// each of 5 members trained alone (trainRewardModel) or all 5 in one stacked program
// (trainStackedRewardModels), with 1 and 2 ONNX Runtime intra-op threads. Per proxy size: 1500
// comparisons, batch 64, 2 epochs (48 steps per member, as the demo), random token sequences of
// 12-31 tokens over the built-in task's 149-word vocabulary. Prints one JSON line per case with
// wall seconds, CPU seconds (process.cpuUsage, which counts ORT's threads) and the load average;
// compare CPU seconds on a shared machine. Not part of `npm run bench`; run by hand:
//   npx tsx tools/bench/rm-training.ts [sizes, default all: small,medium,large]
// With --pool it measures instead the RM phase of one demo seed: 6 stacks (3 sizes x 2 label-noise
// levels) of 5 members on 1500 comparisons, trained one after another on a one-thread runtime (as
// runBonStudy with rmWorkers 1) and two at a time in a StackTrainingPool of 2 workers (the default):
//   npx tsx tools/bench/rm-training.ts --pool
import os from "node:os";
import { Rng, createRuntime, type Runtime } from "@goodhart/engine";
import { DEMO_PROXY_SIZES, StackTrainingPool, trainRewardModel, trainStackedRewardModels, type Comparison } from "@goodhart/objectives";

const VOCAB = 149;
const MEMBERS = 5;
const poolMode = process.argv[2] === "--pool";
const sizes = (!poolMode && process.argv[2]?.split(",")) || DEMO_PROXY_SIZES.map((s) => s.name);
const rng = new Rng(1);
const sequence = () => Array.from({ length: rng.int(12, 32) }, () => rng.int(1, VOCAB));
const data: Comparison[] = Array.from({ length: 1500 }, () => ({ chosen: sequence(), rejected: sequence(), goldMargin: 0 }));
const options = { epochs: 2, batchSize: 64, lr: 5e-3 };

async function measure(label: string, threads: number, work: () => Promise<unknown>): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const cpu = process.cpuUsage(cpu0);
  const row = { label, threads, wall_s: (performance.now() - t0) / 1000, cpu_s: (cpu.user + cpu.system) / 1e6, load: os.loadavg()[0] };
  console.log(JSON.stringify(row, (_, v: unknown) => (typeof v === "number" ? Number(v.toFixed(2)) : v)));
}

if (poolMode) {
  // One demo seed's stacks: each proxy size once per label-noise level (own member seeds and orders).
  const stacks = DEMO_PROXY_SIZES.flatMap((size) =>
    [0, 1].map((noise) => ({
      config: { vocab: VOCAB, maxSeq: 64, dModel: size.dModel, nHeads: size.heads, nLayers: size.layers },
      members: Array.from({ length: MEMBERS }, (_, m) => ({ seed: 10 * noise + m, orderKey: new Rng(noise).fork(`member-${m}`).key })),
    })),
  );
  const runtime = await createRuntime({ device: "cpu", threads: 1 });
  await measure("6 stacks sequential", 1, async () => {
    for (const s of stacks)
      await trainStackedRewardModels(
        runtime,
        s.config,
        data,
        s.members.map((m) => ({ seed: m.seed, order: new Rng(m.orderKey) })),
        options,
      );
  });
  await runtime.release();
  const pool = new StackTrainingPool(2);
  await measure("6 stacks, pool of 2 workers", 1, () => Promise.all(stacks.map((s) => pool.train({ ...s, data, options }))));
  await pool.close();
  process.exit(0);
}

for (const threads of [2, 1]) {
  const runtime: Runtime = await createRuntime({ device: "cpu", threads });
  for (const size of DEMO_PROXY_SIZES.filter((s) => sizes.includes(s.name))) {
    const config = { vocab: VOCAB, maxSeq: 64, dModel: size.dModel, nHeads: size.heads, nLayers: size.layers };
    const inits = () => Array.from({ length: MEMBERS }, (_, m) => ({ seed: m, order: new Rng(2).fork(`member-${m}`) }));
    await measure(`${size.name} separate`, threads, async () => {
      for (const init of inits()) await trainRewardModel(runtime, config, data, init, options);
    });
    await measure(`${size.name} stacked`, threads, () => trainStackedRewardModels(runtime, config, data, inits(), options));
  }
  await runtime.release();
}
