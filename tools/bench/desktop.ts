/**
 * Desktop UI benchmark, in Debian's Chromium (playwright-core) against the real browser-mode server
 * and the built renderer:
 *
 * - `compare_render_ms_10x10k`: Compare with 10 runs x 10k curve points each, from the click that
 *   selects the runs to the first animation frame after the chart is drawn, with the finished
 *   runs' points already in the page (compare.runs for metrics and the config diff, grouping, fits,
 *   alignment, the uPlot draw). Median of 5. `compare_render_cold_ms_10x10k`: the same on a freshly
 *   loaded page, so it includes fetching and parsing the 100k points (~14 MB of JSON). Median of 3.
 * - `live_frame_ms_p95`: while a run streams curve points, the renderer's synchronous work per
 *   update, from new points in hand to the chart redrawn (Svelte derivations, grouping, alignment,
 *   uPlot). p95 over every update in ~8 s. `live_frame_interval_ms_p95` is the p95 gap between
 *   animation frames in the same window (the page's smoothness as the browser saw it).
 *
 * Data for Compare is written straight into a fresh SQLite file through libs/storage (10 finished
 * runs, best-of-n-shaped gold/proxy curves); the live run is a real diagnostic.counter run.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@goodhart/storage";
import { chromium } from "playwright-core";
import { median, recordBench, repoRoot } from "./record.ts";

const RUNS = 10;
const POINTS = 10_000;
const REPS = 5;

function seedCompareRuns(dbFile: string): number[] {
  const store = openDatabase(dbFile);
  try {
    const experiment = store.experiments.create({ name: "bench", kind: "diagnostic.counter", config: { steps: POINTS } });
    const ids: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const run = store.runs.create({
        name: `bench ${r}`,
        seed: r,
        experimentId: experiment.id,
        config: { steps: POINTS, lr: 1e-4 * (r + 1) },
      });
      store.runs.setStatus(run.id, "running");
      const a = 0.9 + 0.05 * r,
        b = 0.25;
      const points = Array.from({ length: POINTS }, (_, i) => {
        const n = i + 1;
        const kl = Math.log(n) - (n - 1) / n;
        const d = Math.sqrt(kl);
        // Deterministic wiggle so lines are not perfectly smooth.
        const noise = 0.01 * Math.sin(i * 12.9898 + r * 78.233);
        return {
          runId: run.id,
          series: "proxy:mean",
          x: n,
          xKind: "n" as const,
          kl,
          klEstimator: "analytic-bon",
          proxyScore: a * d + noise,
          goldScore: d * (a - b * d) + noise,
        };
      });
      store.curves.append(points);
      store.runs.setStatus(run.id, "done");
      ids.push(run.id);
    }
    return ids;
  } finally {
    store.close();
  }
}

async function startLab(dbFile: string, staticDir: string): Promise<{ child: ChildProcess; url: string; token: string }> {
  const script = join(repoRoot, "apps/desktop/src/renderer/testing/lab-process.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, dbFile, staticDir], { stdio: ["ignore", "pipe", "inherit"] });
  const info = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!));
    });
    child.once("exit", (code) => reject(new Error(`lab process exited with ${code}`)));
  });
  return { child, ...info };
}

async function call(url: string, token: string, method: string, input: unknown): Promise<any> {
  const res = await fetch(`${url}/api/${method}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: unknown; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * (sorted.length - 1)))] ?? NaN;
}

async function main(): Promise<void> {
  const appDir = join(repoRoot, "apps/desktop");
  const build = spawnSync(
    process.execPath,
    [join(appDir, "node_modules/vite/bin/vite.js"), "build", "--config", "vite.config.ts", "--logLevel", "warn"],
    { cwd: appDir, stdio: "inherit" },
  );
  if (build.status !== 0) throw new Error("renderer build failed");
  const dir = mkdtempSync(join(tmpdir(), "goodhart-bench-desktop-"));
  const dbFile = join(dir, "lab.sqlite");
  const ids = seedCompareRuns(dbFile);
  const lab = await startLab(dbFile, join(appDir, "dist/renderer"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${lab.url}/?token=${lab.token}`);
    await page.waitForSelector("main[data-screen]");

    // Compare: 10 runs x 10k points. Cold: a fresh page, so the points come from the server.
    // Warm: the points of finished runs are already in the page; what is left is the render.
    const expected = RUNS * POINTS * 2;
    const measureCompare = (): Promise<number> =>
      page.evaluate(`(async () => {
        window.__goodhartCompareDraws = [];
        const t0 = performance.now();
        document.querySelector('[data-testid="compare-all"]').click();
        await new Promise((resolve) => {
          const check = () => (window.__goodhartCompareDraws.some((d) => d.points >= ${expected}) ? resolve() : requestAnimationFrame(check));
          check();
        });
        await new Promise((r) => requestAnimationFrame(() => r()));
        return performance.now() - t0;
      })()`) as Promise<number>;
    const coldMs: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      await page.reload();
      await page.waitForSelector("main[data-screen]");
      await page.keyboard.press("Alt+Digit5");
      await page.waitForSelector('[data-testid="compare-all"]');
      coldMs.push(await measureCompare());
    }
    const compareMs: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await page.click("text=Clear");
      await page.waitForTimeout(300);
      compareMs.push(await measureCompare());
    }
    const drawn = await page.getAttribute('[data-testid="compare-chart"] [data-testid="chart"]', "data-points");
    if (Number(drawn) < expected) throw new Error(`Compare drew ${drawn} points, expected at least ${expected}`);

    // Live: a real diagnostic run streaming ~200 curve points a second.
    const experiment = await call(lab.url, lab.token, "experiments.create", {
      name: "live",
      kind: "diagnostic.counter",
      config: { steps: 3000, stepMs: 4, checkpointEvery: 500 },
    });
    const run = await call(lab.url, lab.token, "runs.start", { experimentId: experiment.id });
    await page.keyboard.press("Alt+Digit4");
    await page.click(`[data-testid="run-item"][data-run-id="${run.id}"]`);
    await page.waitForSelector(`[data-testid="run-detail"][data-status="running"]`, { timeout: 60_000 });
    const live = (await page.evaluate(`(async () => {
      window.__goodhartDrawTimes = [];
      const gaps = [];
      let last = performance.now();
      const end = last + 8000;
      await new Promise((resolve) => {
        const tick = (t) => { gaps.push(t - last); last = t; t < end ? requestAnimationFrame(tick) : resolve(); };
        requestAnimationFrame(tick);
      });
      return { draws: window.__goodhartDrawTimes.slice(), gaps: gaps.slice(1) };
    })()`)) as { draws: number[]; gaps: number[] };
    const points = Number((await page.textContent('[data-testid="curve-points"]'))?.split(" ")[0]);
    await call(lab.url, lab.token, "runs.cancel", { id: run.id }).catch(() => undefined);
    if (live.draws.length < 5) throw new Error(`only ${live.draws.length} live updates were drawn`);

    recordBench("desktop", "chromium (headless, --disable-gpu)", {
      compare_render_ms_10x10k: Number(median(compareMs).toFixed(1)),
      compare_render_cold_ms_10x10k: Number(median(coldMs).toFixed(1)),
      live_frame_ms_p95: Number(p95(live.draws).toFixed(2)),
      live_frame_ms_median: Number(median(live.draws).toFixed(2)),
      live_updates: live.draws.length,
      live_points_at_end: points,
      live_frame_interval_ms_p95: Number(p95(live.gaps).toFixed(2)),
    });
    void ids;
  } finally {
    await browser.close();
    lab.child.kill("SIGTERM");
    await new Promise((r) => lab.child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
