// tools/bin/bench-docs.mjs writes docs/benchmarks.md from benchmark result files. Each case runs the
// real script in a child process on folders of its own, never on the repository's docs.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../bin/bench-docs.mjs", import.meta.url));
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "goodhart-bench-docs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function benchDocs(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeBench(folder: string, project: string, results: Record<string, number | string>, extra: Record<string, unknown> = {}): void {
  mkdirSync(folder, { recursive: true });
  const file = {
    machine: { cpu: "Test CPU", cores: 2, memory_gb: 8, platform: "linux-x64", node: "v20.19.0" },
    device: "cpu",
    commit: "abc1234",
    time: "2026-01-02T03:04:05.000Z",
    results,
    ...extra,
  };
  writeFileSync(join(folder, `${project}.json`), JSON.stringify(file));
}

describe("bench-docs", () => {
  it("renders the latest run and the reference with units, targets and descriptions", () => {
    const latest = join(dir, "bench-results");
    const reference = join(dir, "reference");
    writeBench(latest, "storage", {
      metric_points_per_s: 3_180_000,
      curve_read_ms_100k: 7.6,
      new_key_nobody_described: 42,
      rl_step_generation_ms: 237,
      rl_steps_per_s: 1.57,
    });
    writeBench(reference, "engine", { mfu_d512: 0.61, train_tokens_per_s_d512: 2068 }, { note: "Reference note" });
    const out = join(dir, "benchmarks.md");
    const r = benchDocs("--latest", latest, "--reference", reference, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toContain("node tools/bin/bench-docs.mjs");
    expect(page).toContain("| `metric_points_per_s` | 3.18 M/s | >= 500k/s |");
    expect(page).toContain("| `curve_read_ms_100k` | 7.6 ms | <= 50 ms |");
    expect(page).toContain("| `new_key_nobody_described` | 42 |");
    // "generation" contains "ratio": still milliseconds, and a rate per second is not seconds.
    expect(page).toContain("| `rl_step_generation_ms` | 237 ms |");
    expect(page).toContain("| `rl_steps_per_s` | 1.57/s |");
    expect(page).toContain("| `mfu_d512` | 61% | >= 40% |");
    expect(page).toContain("| `train_tokens_per_s_d512` | 2,068 tokens/s |");
    expect(page).toContain(
      "Test CPU x2, 8 GB, linux-x64, Node v20.19.0, device cpu, commit abc1234, at 2026-01-02T03:04:05.000Z. Reference note",
    );
    expect(page.indexOf("### storage")).toBeLessThan(page.indexOf("## Reference results"));
    expect(page.indexOf("### engine")).toBeGreaterThan(page.indexOf("## Reference results"));
  });

  it("folds a finding's interval, seeds, prompts, verdict and command, and a mean's SE, into one row", () => {
    const latest = join(dir, "bench-results");
    writeBench(latest, "science", {
      bon_gap_growth: 0.52,
      bon_gap_growth_ci_low: 0.31,
      bon_gap_growth_ci_high: 0.74,
      bon_gap_growth_seeds: 3,
      bon_gap_growth_prompts: 24,
      bon_gap_growth_holds: 1,
      bon_gap_growth_command: "goodhart demo --db lab.sqlite",
      bon_wco_minus_single: 0.02,
      bon_wco_minus_single_ci_low: -0.05,
      bon_wco_minus_single_ci_high: 0.09,
      bon_wco_minus_single_holds: 0,
    });
    writeBench(latest, "objectives", { rm_val_acc_small: 0.6912, rm_val_acc_small_se: 0.0123 });
    const out = join(dir, "benchmarks.md");
    const r = benchDocs("--latest", latest, "--reference", join(dir, "none"), "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toMatch(
      /\| `bon_gap_growth` \| 0\.52 \[0\.31, 0\.74\] \|\s+\| .*holds \(95% interval excludes 0\); 3 seeds x 24 prompts; reproduce: goodhart demo --db lab\.sqlite \|/,
    );
    expect(page).toContain("does not hold (95% interval includes 0)");
    expect(page).toContain("| `rm_val_acc_small` | 0.6912 ± 0.0123 |");
    for (const folded of ["bon_gap_growth_ci_low", "bon_gap_growth_command", "bon_wco_minus_single_holds", "rm_val_acc_small_se"]) {
      expect(page).not.toContain(`\`${folded}\``);
    }
    expect(page.indexOf("### objectives")).toBeLessThan(page.indexOf("### science"));
  });

  it("tolerates a checkout without bench-results/", () => {
    const reference = join(dir, "reference");
    writeBench(reference, "desktop", { live_frame_ms_p95: 3.4 });
    const out = join(dir, "benchmarks.md");
    const r = benchDocs("--latest", join(dir, "missing"), "--reference", reference, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toContain("No `bench-results/` here");
    expect(page).toContain("| `live_frame_ms_p95` | 3.4 ms | <= 16 ms |");
  });

  it("refuses a malformed result file, naming it, and writes nothing", () => {
    const latest = join(dir, "bench-results");
    mkdirSync(latest);
    writeFileSync(join(latest, "engine.json"), '{"results": ');
    writeBench(join(dir, "bad-shape"), "storage", {}, { results: [1, 2] });
    const out = join(dir, "benchmarks.md");
    const broken = benchDocs("--latest", latest, "--reference", join(dir, "none"), "--out", out);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(join(latest, "engine.json"));
    expect(broken.stderr).toContain("not valid JSON");
    const shape = benchDocs("--latest", join(dir, "bad-shape"), "--reference", join(dir, "none"), "--out", out);
    expect(shape.status).toBe(1);
    expect(shape.stderr).toContain('field "results" must be an object');
    expect(existsSync(out)).toBe(false);
  });

  it("--check reports a stale page and passes a fresh one", () => {
    const reference = join(dir, "reference");
    writeBench(reference, "storage", { curve_read_ms_100k: 7.6 });
    const out = join(dir, "benchmarks.md");
    const args = ["--latest", join(dir, "none"), "--reference", reference, "--out", out];
    expect(benchDocs(...args, "--check").status).toBe(1);
    expect(benchDocs(...args).status).toBe(0);
    expect(benchDocs(...args, "--check").status).toBe(0);
    writeBench(reference, "storage", { curve_read_ms_100k: 9.9 });
    const stale = benchDocs(...args, "--check");
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain("is stale");
  });

  it("names an unknown argument", () => {
    const r = benchDocs("--bogus");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown argument --bogus");
  });
});
