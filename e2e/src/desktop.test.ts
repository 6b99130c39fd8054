/**
 * The desktop UI end to end, in Chromium against the real browser-mode server: import by drop,
 * a malformed file's error, a run whose curve grows, Compare, the exported HTML report (and its
 * print layout), and a best-of-n study started from the schema-generated form (a nested field
 * edited), with its Compare panels, headline, Samples view and report.
 * Specs run in order and share one lab (one SQLite file). Screenshots of every screen, light and
 * dark, go to e2e/artifacts/.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { fixturePath } from "../../fixtures/index.ts";
import { type Session, artifactsDir, dropFile, goTo, openLab, screenshot, screenshotBothThemes, until as untilOnPage } from "./browser.ts";

const launchUrl = inject("labLaunchUrl");
let session: Session;
let page: Page;
/** Peak gold per run as Compare showed it. */
const peakGoldShown = new Map<number, number>();

async function textOf(selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

/** Polls the page until `read` returns a value passing `ok` (browser.ts `until`, 30 s here). */
function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  return untilOnPage(page, read, ok, timeoutMs);
}

const bothThemes = (name: string): Promise<void> => screenshotBothThemes(page, name);

beforeAll(async () => {
  session = await openLab(launchUrl);
  page = session.page;
});

afterAll(async () => {
  await session?.close();
});

describe("Goodhart Lab desktop UI", () => {
  it("greets a new user with what to do first", async () => {
    await page.waitForSelector('[data-testid="welcome"]');
    expect(await textOf('[data-testid="welcome"]')).toContain("Drop a preference dataset");
    expect(await textOf('[data-testid="device-in-use"]')).toMatch(/Device: \S+/);
    await bothThemes("01-workspace-empty");
  });

  it("imports the Stack Exchange fixture dropped on the window and shows its 25 pairs", async () => {
    const bytes = readFileSync(fixturePath("preference/stack_exchange_paired_tiny.json"));
    await dropFile(page, "stack_exchange_paired_tiny.json", bytes);
    await page.waitForSelector('main[data-screen="datasets"] [data-testid="import-panel"][data-phase="ready"]');
    // Detected before anything is imported: the format and which column feeds which field.
    expect(await textOf('[data-testid="detected-format"]')).toBe("stack-exchange-paired");
    expect(await page.inputValue('[data-testid="mapping"] select[data-role="prompt"]')).toBe("question");
    await screenshot(page, "02-datasets-detected-light");
    await page.click('[data-testid="import-button"]');
    await page.waitForSelector('[data-testid="import-done"]');
    expect(await textOf('[data-testid="dataset-rows"]')).toBe("25");
    expect(await textOf('[data-testid="dataset-format"]')).toBe("stack-exchange-paired");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="dataset-detail"] table.examples tbody tr').length === 20);
    await bothThemes("02-datasets-imported");
  });

  it("refuses a malformed file with an error naming the row, and imports nothing", async () => {
    const lines = [
      JSON.stringify({ question: "What is 2+2?", response_j: "4", response_k: "5" }),
      JSON.stringify({ question: "Capital of France?", response_j: "Paris", response_k: "Lyon" }),
      JSON.stringify({ question: "Largest planet?", response_j: "Jupiter" }),
    ];
    await dropFile(page, "broken_pairs.jsonl", new TextEncoder().encode(lines.join("\n") + "\n"));
    await page.waitForSelector('[data-testid="import-panel"][data-phase="ready"]');
    await page.click('[data-testid="import-button"]');
    await page.waitForSelector('[data-testid="import-error"]');
    const error = await textOf('[data-testid="import-error"]');
    expect(error).toMatch(/row 3/i);
    expect(error).toContain("broken_pairs");
    expect(await page.locator('[data-testid="dataset-item"]').count()).toBe(1);
    await bothThemes("03-datasets-error");
  });

  it("starts a small run and watches its curve gain points", async () => {
    await goTo(page, "experiment");
    await page.waitForSelector('[data-testid="preset"]');
    // The run machinery, live curves, Compare and the report are exercised here with
    // diagnostic.counter (many small steps, so the curve visibly grows); the best-of-n study itself
    // is run from the UI by the last spec.
    // Each kind gets a form generated from its schema: typed fields with one-line explanations.
    for (const kind of await page.locator('[data-testid="preset"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")!))) {
      await page.click(`[data-testid="preset"][data-kind="${kind}"]`);
      expect(await page.locator('[data-testid="schema-form"] [data-field]').count(), kind).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="schema-form"] .help').count(), kind).toBeGreaterThan(0);
      if (kind === "bon-study") await bothThemes("04-experiment-bon-study");
    }
    // Diagnostic kinds are hidden once a science kind (bon-study) is registered.
    if (await page.locator('[data-testid="show-diagnostic"]').count()) await page.check('[data-testid="show-diagnostic"]');
    await page.click('[data-testid="preset"][data-kind="diagnostic.counter"]');
    await page.fill('[data-param="steps"]', "60");
    await page.fill('[data-param="stepMs"]', "60");
    await page.check('[data-testid="show-sweeps"]');
    await page.fill('[data-sweep="steps"]', "60 | 40");
    await page.fill('[data-testid="experiment-name"]', "counter");
    // The service expands the grid (LabApi kinds.expand): the count arrives asynchronously.
    expect(
      await until(
        () => textOf('[data-testid="grid-size"]'),
        (t) => t.includes("= 2 runs"),
      ),
    ).toContain("= 2 runs");
    await bothThemes("04-experiment");
    await page.click('[data-testid="start-button"]');
    // Both runs are listed once both starts returned (they are queued one after the other).
    await until(
      () => page.locator('[data-testid="started-runs"] li').count(),
      (n) => n === 2,
    );

    await goTo(page, "runs");
    await page.click('[data-testid="run-item"][data-run-id="1"]');
    const pointsNow = async () => Number((await textOf('[data-testid="curve-points"]')).split(" ")[0]);
    const first = await until(pointsNow, (n) => n > 0);
    const later = await until(pointsNow, (n) => n >= first + 5);
    expect(later).toBeGreaterThan(first);
    await until(
      async () => page.getAttribute('[data-testid="chart"]', "data-points"),
      (n) => Number(n) > 0,
    );
    await bothThemes("05-runs-live");
    await until(
      () => page.getAttribute('[data-testid="run-detail"]', "data-status"),
      (s) => s === "done",
      60_000,
    );
    // "done" triggers one more fetch of the points (RunsScreen refetches on a status change), which
    // may land just after the status is drawn: wait for it, then require every point.
    expect(await until(pointsNow, (n) => n === 60)).toBe(60);
  });

  it("compares two runs: one panel, a colour per run, peaks, metrics and the config diff", async () => {
    await goTo(page, "runs");
    await page.click('[data-testid="run-item"][data-run-id="2"]');
    await until(
      () => page.getAttribute('[data-testid="run-detail"]', "data-status"),
      (s) => s === "done",
      60_000,
    );
    await goTo(page, "compare");
    await page.check('[data-testid="compare-pick"][data-run-id="1"]');
    await page.check('[data-testid="compare-pick"][data-run-id="2"]');
    await page.waitForSelector('[data-testid="metrics-table"] tbody tr:nth-child(2)');
    // Per run: gold, proxy, peak marker (the counter stores no fitted law; the renderer fits nothing).
    await until(
      () => page.getAttribute('[data-testid="compare-chart"] [data-testid="chart"]', "data-lines"),
      (n) => n === "6",
    );
    const diff = await textOf('[data-testid="config-diff"]');
    expect(diff).toContain("steps");
    expect(diff).toContain("60");
    expect(diff).toContain("40");
    expect(await page.locator('[data-testid="peak-gold"]').count()).toBe(2);
    for (const row of await page.locator('[data-testid="metrics-table"] tbody tr').all()) {
      const runId = Number(/#(\d+)/.exec((await row.locator("td").first().textContent()) ?? "")![1]);
      peakGoldShown.set(runId, Number(await row.locator('[data-testid="peak-gold"]').textContent()));
    }
    expect([...peakGoldShown.keys()].sort()).toEqual([1, 2]);
    await bothThemes("06-compare");
  });

  it("exports the HTML report with both runs' figures and peaks", async () => {
    await goTo(page, "export");
    await bothThemes("07-export");
    const download = page.waitForEvent("download");
    await page.click('[data-testid="create-report"]');
    const file = await (await download).path();
    const html = readFileSync(file, "utf8");
    expect(html).toContain("<svg");
    for (const id of [1, 2]) expect(html).toContain(`run ${id}`);
    expect(html).toContain("<h2>Peaks</h2>");
    for (const [id, shown] of peakGoldShown) {
      const m = new RegExp(`<tr><td>${id}</td><td>diagnostic</td><td>([^<]+)</td>`).exec(html);
      expect(m, `peak row of run ${id}`).not.toBeNull();
      expect(Number(m![1])).toBeCloseTo(shown, 3);
    }
    await lookAtReport(html, "07-report-counter");
  });

  it("starts a small best-of-n study from the schema-generated form (a nested field edited) and reads its panels, headline, samples and report", async () => {
    await goTo(page, "experiment");
    await page.click('[data-testid="preset"][data-kind="bon-study"]');
    // A study of seconds on two cores: a tiny policy and proxies, pools of 16 on 4 prompts. Nested
    // fields sit in fieldsets (task > prompts > train), list items have their own fields.
    const tiny: Record<string, number> = {
      "task.prompts.train": 120,
      "task.prompts.validation": 20,
      "task.prompts.test": 8,
      "basePolicy.layers": 1,
      "basePolicy.dModel": 32,
      "basePolicy.heads": 2,
      "basePolicy.pretrainSteps": 30,
      "proxySizes[0].layers": 1,
      "proxySizes[0].dModel": 16,
      "proxySizes[0].heads": 2,
      "trainingSizes[0]": 100,
      "ensemble.size": 2,
      "bon.poolSize": 16,
      "bon.evalPrompts": 4,
    };
    expect(await page.locator('fieldset[data-field="task.prompts"] [data-param="task.prompts.train"]').count()).toBe(1);
    for (const [path, value] of Object.entries(tiny)) await page.fill(`[data-param="${path}"]`, String(value));
    while ((await page.locator('[data-param^="trainingSizes["]').count()) > 1) await page.click('[data-remove="trainingSizes[1]"]');
    // A new list item starts as a copy of the last one; removing it leaves the one size.
    await page.click('[data-add="proxySizes"]');
    expect(await page.inputValue('[data-param="proxySizes[1].dModel"]')).toBe("16");
    await page.click('[data-remove="proxySizes[1]"]');
    expect(await page.locator('[data-param="proxySizes[1].dModel"]').count()).toBe(0);
    // Inline validation: 3 heads do not fit a width of 32 only by the service's rule, but 0 layers is caught at once.
    await page.fill('[data-param="basePolicy.layers"]', "0");
    expect(await textOf('[data-issue="basePolicy.layers"]')).toBe("expected an integer ≥ 1, got 0");
    expect(await page.isDisabled('[data-testid="start-button"]')).toBe(true);
    await screenshot(page, "09-experiment-validation-light");
    await page.fill('[data-param="basePolicy.layers"]', "1");
    await page.check('[data-testid="show-sweeps"]');
    await page.fill('[data-sweep="labelNoise"]', "[0] | [0.25]");
    await page.fill('[data-testid="experiment-name"]', "bon-e2e");
    // The YAML view shows what the form holds.
    await page.click('[data-testid="view-yaml"]');
    const yaml = await page.inputValue('[data-testid="config-text"]');
    expect(yaml).toContain("train: 120");
    expect(yaml).toMatch(/proxySizes:\n\s+- name: tiny\n\s+layers: 1\n\s+dModel: 16/);
    await screenshot(page, "09-experiment-yaml-light");
    await page.click('[data-testid="view-form"]');
    // The service expands the grid (LabApi kinds.expand): the count arrives asynchronously.
    expect(
      await until(
        () => textOf('[data-testid="grid-size"]'),
        (t) => t.includes("= 2 runs"),
      ),
    ).toContain("= 2 runs");
    await bothThemes("09-experiment-bon-form");
    await page.click('[data-testid="start-button"]');
    // The runs are listed once both starts returned; a refusal shows at the form instead (fail with it).
    await until(
      async () => {
        if (await page.locator('[data-testid="form-error"]').count())
          throw new Error(`start refused: ${await textOf('[data-testid="form-error"]')}`);
        return page.locator('[data-testid="started-runs"] li').count();
      },
      (n) => n === 2,
    );

    await goTo(page, "runs");
    await page.click('[data-testid="run-item"][data-run-id="3"]');
    const pointsNow = async () => Number((await textOf('[data-testid="curve-points"]')).split(" ")[0]);
    await until(
      () => page.getAttribute('[data-testid="run-detail"]', "data-status"),
      (s) => s === "done",
      150_000,
    );
    // Members 0 and 1 and the mean aggregation, each at n = 1, 2, 4, 8, 16.
    await until(pointsNow, (n) => n >= 15);
    await until(
      async () => page.getAttribute('[data-testid="chart"]', "data-points"),
      (n) => Number(n) > 0,
    );
    await bothThemes("08-runs-bon-study");

    // Samples: per prompt the completion best-of-16 picks under proxy:mean, largest proxy - gold gain first.
    await page.click('[data-testid="tab-samples"]');
    await page.waitForSelector('[data-testid="sample-row"]');
    expect(await page.locator('[data-testid="sample-row"]').count()).toBe(4);
    const gaps = (await page.locator('[data-testid="sample-gap"]').allTextContents()).map(Number);
    expect(gaps).toEqual([...gaps].sort((a, b) => b - a));
    expect(await page.inputValue('[data-testid="samples-n"]')).toBe("16");
    await bothThemes("10-runs-samples");

    await page.click('[data-testid="run-item"][data-run-id="4"]');
    await until(
      () => page.getAttribute('[data-testid="run-detail"]', "data-status"),
      (s) => s === "done",
      150_000,
    );
    await goTo(page, "compare");
    await page.click("text=Clear");
    await page.check('[data-testid="compare-pick"][data-run-id="3"]');
    await page.check('[data-testid="compare-pick"][data-run-id="4"]');
    // One panel per series group (proxy:mean, the members together), the headline bars with error bars.
    // (Both runs are in once the headline has a bar per run: ticking run 3 alone already shows 2 panels.)
    await until(
      () => page.locator('[data-testid="headline"] rect[data-bar]').count(),
      (n) => n === 2,
    );
    expect(await page.getAttribute('[data-testid="compare-chart"] [data-testid="chart"]', "data-panels")).toBe("2");
    await bothThemes("11-compare-bon-study");
    expect(await page.locator('[data-testid="headline"] [data-baseline]').count()).toBe(2);
    expect(await page.locator('[data-testid="compare-series-panel"] polygon[data-band]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="compare-series-panel"] path[data-line*=":fit:"]').count()).toBeGreaterThan(0);
    // The summary from each run's stored result: the kind's columns with SEs, and the mean
    // aggregation minus the average single member with its 95% interval.
    await page.waitForSelector('[data-testid="summary-table"][data-run-id="3"]');
    expect(await textOf('[data-testid="summary-table"][data-run-id="3"]')).toContain("proxy:mean");
    expect(await textOf('[data-testid="findings"][data-run-id="3"] [data-testid="finding"]')).toMatch(
      /^-?[\d.e-]+ \[-?[\d.e-]+, -?[\d.e-]+\]( \*)?$/,
    );

    await goTo(page, "export");
    const download = page.waitForEvent("download");
    await page.click('[data-testid="create-report"]');
    const html = readFileSync(await (await download).path(), "utf8");
    expect(html).toContain("Gold at the largest n");
    expect(html).toContain("<h2>Findings</h2>");
    await lookAtReport(html, "12-report-bon-study");
  }, 400_000);
});

/** Opens a report as a reader would, on screen and as the print layout (Print to PDF), for a look. */
async function lookAtReport(html: string, name: string): Promise<void> {
  const file = join(artifactsDir, `${name}.html`);
  writeFileSync(file, html);
  const reader = await page.context().newPage();
  try {
    await reader.goto(`file://${file}`);
    await screenshot(reader, `${name}-screen`);
    await reader.emulateMedia({ media: "print" });
    await screenshot(reader, `${name}-print`);
    // Chromium's Print to PDF with the report's own page size (what Electron's printToPDF does too).
    const pdf = await reader.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(artifactsDir, `${name}.pdf`), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  } finally {
    await reader.close();
  }
}
