/**
 * The RL, direct alignment and constrained RLHF result views in Chromium, light and dark. A tiny
 * rl-study (PPO against a 2-member mean ensemble), a tiny daa study (DPO and IPO at two betas) and a
 * tiny constrained-rlhf study (a 3-weighting sweep, mu-PPO and xi-PPO) are submitted
 * through the HTTP door of a lab of their own (so the other specs' empty-lab and Compare checks
 * never see these runs) and executed by its workers; then the Runs screen's Results tab shows what
 * they stored, Compare shows the views' headline figures, and the report carries them too.
 * Screenshots go to e2e/artifacts/ (result-views-*).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Session, goTo, openLab, screenshot, screenshotBothThemes, until as untilOnPage } from "./browser.ts";
import { type Lab, callFromPage, startLab } from "./labs.ts";

const TINY_TASK = { prompts: { train: 200, validation: 48, test: 24 } };
const TINY_POLICY = { layers: 1, dModel: 32, heads: 2, pretrainSteps: 100 };
const RL_CONFIG = {
  name: "rl-e2e",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  proxySizes: [{ name: "policy-size", layers: 1, dModel: 32, heads: 2 }],
  trainingSize: 300,
  objectives: ["mean"],
  ensembleSize: 2,
  klCoefs: [0],
  seeds: [1],
  rl: { algorithm: "ppo", steps: 15, promptsPerStep: 16, samplesPerPrompt: 1 },
  evaluation: { every: 3, prompts: 16 },
};
const DAA_CONFIG = {
  name: "daa-e2e",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  losses: ["dpo", "ipo"],
  betas: [0.03, 1],
  labels: { pairs: 128, noise: 0 },
  training: { epochs: 2, batchSize: 32, lr: 1e-2, finetune: "lora", loraRank: 4 },
  evaluation: { prompts: 16, samplesPerPrompt: 2, heldOutPairs: 32, epochOneFractions: [0.2, 0.4, 0.6, 0.8] },
  seeds: [1],
};

const CONSTRAINED_CONFIG = {
  name: "constrained-e2e",
  task: TINY_TASK,
  basePolicy: TINY_POLICY,
  componentRm: { size: { name: "tiny", layers: 1, dModel: 32, heads: 2 }, trainingSize: 300 },
  methods: ["fixed", "mu-ppo", "xi-ppo"],
  rl: { steps: 9, promptsPerStep: 16 },
  evaluation: { every: 3, prompts: 16, samplesPerPrompt: 2 },
  seeds: [1],
};

interface RunRow {
  id: number;
  name: string;
  status: string;
  error: string | null;
}

let lab: Lab;
let session: Session;
let page: Page;

/** A LabApi call over HTTP from inside the page (its session cookie authenticates); its value, or it throws. */
async function call<T>(method: string, input: unknown = {}): Promise<T> {
  const { body } = await callFromPage(page, method, input);
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}

/** Submits an experiment and waits until every run it made is done. */
async function runToEnd(kind: string, config: Record<string, unknown>): Promise<RunRow[]> {
  const experiment = await call<{ id: number }>("experiments.create", { name: config.name, kind, config });
  await call("runs.start", { experimentId: experiment.id });
  const runs = await untilOnPage(
    page,
    () => call<RunRow[]>("runs.list", { experimentId: experiment.id }),
    (rs) => rs.length > 0 && rs.every((r) => r.status === "done" || r.status === "failed"),
    240_000,
  );
  for (const r of runs) expect(r.error, `run ${r.id} ${r.name}`).toBeNull();
  return runs;
}

const bothThemes = (name: string): Promise<void> => screenshotBothThemes(page, name);

const count = (selector: string) => page.locator(selector).count();

async function openResults(runId: number): Promise<void> {
  await goTo(page, "runs");
  await page.click(`[data-testid="run-item"][data-run-id="${runId}"]`);
  await page.click('[data-testid="tab-results"]');
  await page.waitForSelector('[data-testid="run-result-view"][data-loading="false"] [data-testid="result-view"]');
}

beforeAll(async () => {
  lab = await startLab("views");
  session = await openLab(lab.launchUrl, { height: 1000 });
  page = session.page;
}, 120_000);

afterAll(async () => {
  await session?.close();
  await lab?.stop();
});

describe("result views", () => {
  let rl: RunRow[];
  let daa: RunRow[];
  let constrained: RunRow[];

  it("runs tiny RL, direct alignment and constrained RLHF studies through the HTTP door", async () => {
    rl = await runToEnd("rl-study", RL_CONFIG);
    daa = await runToEnd("daa", DAA_CONFIG);
    constrained = await runToEnd("constrained-rlhf", CONSTRAINED_CONFIG);
    expect(rl.length).toBe(1);
    expect(daa.length).toBeGreaterThanOrEqual(1);
    await page.reload();
    await page.waitForSelector("main[data-screen]");
  }, 480_000);

  it("shows the RL run view: gold, proxy and members against √KL with the fit and d*, KL by estimator, training metrics, onset", async () => {
    await openResults(rl[0]!.id);
    const gold = page.locator('[data-section="gold-proxy"] [data-testid="view-figure"]').first();
    expect(await gold.locator("[data-line]").count()).toBeGreaterThanOrEqual(5); // gold, proxy, 2 members, fit
    expect(await gold.locator("[data-band]").count()).toBe(2);
    expect(await gold.locator('[data-testid="view-note"]').first().textContent()).toMatch(/Stored fit of gold, d \(a − b ln d\)/);
    expect(await count('[data-section="kl"] [data-line]')).toBe(4); // exact, k1, k2, k3
    expect(await count('[data-section="training"] [data-testid="view-figure"]')).toBeGreaterThanOrEqual(5);
    expect(await count('[data-section="onset"] [data-testid="view-figure"]')).toBeGreaterThanOrEqual(3);
    await bothThemes("result-views-rl");
  });

  it("shows the DAA view: frontier per loss with the stored fits, win rate and KL against epochs, log-probs", async () => {
    const dpo = daa.find((r) => r.name.startsWith("dpo"))!;
    await openResults(dpo.id);
    expect(await count('[data-section="frontier"] [data-testid="view-figure"]')).toBe(2);
    expect(await count('[data-section="frontier"] [data-line$=":frontier:fit"]')).toBe(2);
    expect(await count('[data-section="win-rate"] [data-testid="view-figure"]')).toBe(2);
    expect(await count('[data-section="logps"] [data-line$=":chosen"]')).toBe(4);
    await bothThemes("result-views-daa");
  });

  it("shows the constrained RLHF view: gold per method, multipliers, thresholds, the gold surface with proxy points", async () => {
    await openResults((constrained.find((r) => r.name.includes("mu-ppo")) ?? constrained[0]!).id);
    expect(await count('[data-section="gold"] [data-line]')).toBe(5); // 3 sweep weightings, mu-PPO, xi-PPO
    expect(await count('[data-section="multipliers"] [data-testid="view-figure"]')).toBe(2);
    expect(await count('[data-section="thresholds"] [data-line*=":threshold:"]')).toBe(4);
    expect(await count('[data-section="surface"] [data-testid="view-figure"]')).toBe(3); // 2 slices and the component space
    await bothThemes("result-views-constrained");
  });

  it("puts the views' headline figures in Compare and in the report", async () => {
    const ids = [rl[0]!.id, daa[0]!.id];
    await goTo(page, "compare");
    for (const id of ids) await page.click(`[data-testid="compare-pick"][data-run-id="${id}"]`);
    await page.waitForSelector('[data-testid="kind-headline-view"][data-kind="rl-study"]');
    await page.waitForSelector('[data-testid="kind-headline-view"][data-kind="daa"]');
    await screenshot(page, "result-views-compare-light");
    const report = await call<{ html: string }>("reports.create", { runIds: ids, title: "Result views" });
    expect(report.html).toContain("gold and proxy against √KL");
    expect(report.html).toContain("DPO: gold win rate against √KL");
  });
});
