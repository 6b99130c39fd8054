#!/usr/bin/env node
// Writes docs/benchmarks.md from benchmark result files, so the published numbers are never typed
// by hand. Two sources, both in the format tools/bench/record.ts writes
// ({machine, device, commit, time, results}, optionally with a "note"):
//   - bench-results/*.json: the latest `npm run bench` in this checkout (git-ignored; may be absent);
//   - docs/bench-reference/*.json: the committed reference run.
// Usage: node tools/bin/bench-docs.mjs [--latest dir] [--reference dir] [--out file] [--check]
// --check exits 1 when the page on disk differs from what would be written (writes nothing).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const PROJECT_ORDER = ["engine", "storage", "objectives", "science", "dataset", "desktop"];

// What each known key measures and its target. Keys not listed here are still shown, without a
// description, so a new benchmark key appears in the page as soon as it is recorded.
const KEYS = {
  gemm_gflops: ["ORT MatMul peak (best of 512/1024/2048, same process)"],
  gemm_gflops_per_cpu_s: ["the same per CPU-second (insensitive to other load)"],
  train_tokens_per_s_d256: ["training throughput, d_model 256 (batch 16 x seq 128, 4 layers, 8 heads, AdamW in-graph)"],
  train_tokens_per_s_d512: ["training throughput, d_model 512"],
  mfu_d256: ["model FLOP utilisation at d256: (6 x params + 12 x layers x d x seq) x tokens/s / GEMM peak"],
  mfu_d512: ["model FLOP utilisation at d512", ">= 40%"],
  mfu_cpu_time_d256: ["MFU per CPU-second at d256"],
  mfu_cpu_time_d512: ["MFU per CPU-second at d512"],
  overhead_fraction_d512: ["share of a d512 step spent outside ONNX Runtime", "<= 10%"],
  train_tokens_per_s_d512_host_update: ["d512 with the AdamW update on the host instead (why the update runs in-graph)"],
  overhead_fraction_d512_host_update: ["outside-ORT share with the host update"],
  peer_tfjs_tokens_per_s_d256: ["the same step in TensorFlow.js 4.22 (wasm SIMD, 1 thread)"],
  peer_ratio_d256: ["our d256 training throughput / TF.js's"],
  peer_ratio_cpu_time_d256: ["TF.js CPU time / ours for the same step"],
  peak_rss_mb: ["peak resident memory of the engine benchmark (includes the TF.js run)"],
  gen_tokens_per_s_kv_d256: ["generation with the KV cache, d256 (batch 32, 16-token prompts, 128 new tokens)"],
  gen_tokens_per_s_nokv_d256: ["generation with a full forward per new token, d256"],
  kv_speedup_d256: ["KV cache / no cache"],
  gen_tokens_per_s_kv_d512: ["generation with the KV cache, d512"],
  score_tokens_per_s_d256: ["completion tokens scored per second (64 sequences of 16 + 128 tokens)"],
  import_rows_per_s_jsonl: ["import of a generated 100k-row JSONL, start to commit"],
  import_rows_per_s_csv: ["the same rows as CSV"],
  metric_points_per_s: ["metric points inserted in batches of 10k, 8 metric names", ">= 500k/s"],
  curve_read_ms_100k: ["read one run's 100k-point curve (x, KL, proxy, gold, 5 member scores)", "<= 50 ms"],
  demo_first_s: ["`goodhart demo` in a fresh process on an empty cache (pretrains the base policy)", "<= 6 min"],
  demo_first_pretrain_s: ["of which pretraining the base policy"],
  demo_first_cpu_s: ["CPU time of the first run"],
  demo_cached_s: ["`goodhart demo` again, base policy cached", "<= 3 min"],
  demo_cached_cpu_s: ["CPU time of the cached run"],
  demo_cached_sampling_s: ["cached run: sampling completions from the base policy"],
  demo_cached_rm_training_s: ["cached run: training 30 reward models"],
  demo_cached_scoring_s: ["cached run: every member scoring reference and pool sequences"],
  demo_cached_curves_s: ["cached run: estimator, aggregations, fits"],
  demo_cached_other_s: ["cached run: process start, TypeScript load, sessions, SQLite writes"],
  demo_peak_rss_mb: ["peak resident memory of either demo process"],
  compare_render_ms_10x10k: ["Compare: select 10 runs x 10k points (already in the page) -> first frame drawn", "<= 500 ms"],
  compare_render_cold_ms_10x10k: ["the same on a fresh page (fetching 100k points first)"],
  live_frame_ms_p95: ["live curve while a run streams ~150 points/s: new points -> chart redrawn, p95", "<= 16 ms"],
  live_frame_interval_ms_p95: ["p95 gap between animation frames in the same window (60 Hz = 16.7 ms)"],
  demo_seeds: ["seeds in the demo"],
  demo_eval_prompts: ["test prompts the demo's best-of-n curves average over"],
  rm_val_acc_small: ["validation accuracy against gold of the demo's clean-label small proxies (mean over seeds and members)"],
  rm_val_acc_medium: ["the same for the medium proxies"],
  rm_val_acc_large: ["the same for the large proxies"],
  load_average_1m: ["1-minute load average while measuring (other jobs slow every timing)"],
  // Worker pool (docs/scale-out.md; tools/bench/pool.ts).
  pool_runs_per_min_w1: ["worker pool: 12 CPU-bound counter runs through 1 single-thread worker, first submit -> last stored"],
  pool_runs_per_min_w2: ["the same sweep through 2 workers"],
  pool_runs_per_min_w3: ["the same sweep through 3 workers"],
  pool_overhead_ms: ["queue cost per run: submit -> start plus finish on the worker -> stored in the lab (median of 5)"],
  pool_submit_to_start_ms: ["of which submit -> the lab sees a worker start it"],
  pool_finish_to_stored_ms: ["of which the worker returns the bundle -> the lab has stored it (run reads done)"],
  // Science findings (definitions: docs/science.md#science-benchmark-bench-resultssciencejson).
  bon_gap_growth: ["proxy - gold gap at the largest n minus at n = 2 (single RM, 25% noise); overoptimization shows as > 0"],
  bon_gold_drop_single: ["gold peak minus gold at the largest n (single RM, 25% noise)"],
  bon_wco_minus_single: ["gold at the largest n, WCO ensemble minus single RM (25% noise)"],
  bon_uwo_minus_single: ["gold at the largest n, UWO ensemble minus single RM (25% noise)"],
  bon_more_data_gain: ["gold at the largest n, 3000 minus 300 comparisons (single RM, 25% noise)"],
  bootstrap_replicates: ["bootstrap replicates behind each interval"],
  rl_gold_drop_single: ["RL: gold peak minus final gold, single proxy, no KL penalty (science size, docs/rl.md)"],
  rl_wco_kl001_minus_single: ["RL: final gold, WCO ensemble minus single proxy (25% noise, 5 members, KL 0.01)"],
  rl_uwo_kl001_minus_single: ["RL: final gold, UWO ensemble minus single proxy (25% noise, 5 members, KL 0.01)"],
  rl_step_ms: ["RLOO step at the rl-quick-demo size: generation + scoring + forward/backward/AdamW"],
  rl_step_generation_ms: ["of which generation"],
  rl_step_scoring_ms: ["of which scoring by the proxies"],
  rl_step_forward_backward_optimizer_ms: ["of which forward, backward and AdamW"],
  rl_step_host_ms: ["JavaScript time inside the training part"],
  rl_steps_per_s: ["RLOO steps per second"],
  rl_ppo_step_ms: ["the same for PPO (32 prompts x 1 sample per step)"],
  rl_ppo_steps_per_s: ["PPO steps per second"],
  rl_ppo_step_generation_ms: ["of which generation"],
  rl_ppo_step_scoring_ms: ["of which scoring by the proxies"],
  rl_ppo_step_forward_backward_optimizer_ms: ["of which forward, backward and AdamW"],
  rl_ppo_step_host_ms: ["JavaScript time inside the training part"],
  rl_peak_rss_mb: ["peak resident memory of the RL benchmark"],
  rl_load_avg_1m: ["1-minute load average while measuring"],
  rl_gao_preset_s: ["wall time of the gao-rl preset at its default size"],
  rl_coste_preset_s: ["wall time of the coste-rl preset at its default size"],
  dataset_bon_preset_s: ["hh-rlhf-bon preset end to end on the HH-RLHF fixture, import included (docs/dataset-studies.md)"],
  dataset_gold_rm_val_acc: ["its gold reward model's accuracy on the held-out split"],
  dataset_proxy_val_acc: ["the proxy trained on the most comparisons, accuracy on the held-out split"],
};

// A finding is recorded as KEY plus KEY_ci_low, KEY_ci_high, KEY_seeds, KEY_prompts, KEY_holds and
// KEY_command (tools/bench/objectives.ts); a mean as KEY plus KEY_se. Each becomes one row.
const FINDING_PARTS = ["ci_low", "ci_high", "seeds", "prompts", "holds", "command"];

/** The rows of one results object: findings and means with their SE folded into one row each. */
function rows(results) {
  const out = [];
  const folded = new Set();
  for (const key of Object.keys(results)) {
    if (`${key}_ci_low` in results && `${key}_ci_high` in results) for (const part of FINDING_PARTS) folded.add(`${key}_${part}`);
    if (`${key}_se` in results) folded.add(`${key}_se`);
  }
  for (const [key, value] of Object.entries(results)) {
    if (folded.has(key)) continue;
    const [what = "", target = ""] = KEYS[key] ?? [];
    let shown = formatValue(key, value);
    let detail = what;
    if (`${key}_ci_low` in results) {
      const r = (part) => results[`${key}_${part}`];
      shown += ` [${formatValue(key, r("ci_low"))}, ${formatValue(key, r("ci_high"))}]`;
      const facts = [
        r("holds") === undefined ? null : r("holds") ? "holds (95% interval excludes 0)" : "does not hold (95% interval includes 0)",
      ];
      if (r("seeds") !== undefined) facts.push(`${r("seeds")} seeds x ${r("prompts")} prompts`);
      if (r("command") !== undefined) facts.push(`reproduce: ${r("command")}`);
      detail = [what, ...facts.filter(Boolean)].filter(Boolean).join("; ");
    } else if (`${key}_se` in results) {
      shown += ` ± ${formatValue(key, results[`${key}_se`])}`;
    }
    out.push(`| \`${key}\` | ${shown} | ${target} | ${detail.replaceAll("|", "\\|")} |`);
  }
  return out;
}

function parseArgs(argv) {
  const options = {
    latest: path.join(repoRoot, "bench-results"),
    reference: path.join(repoRoot, "docs/bench-reference"),
    out: path.join(repoRoot, "docs/benchmarks.md"),
    check: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--check") options.check = true;
    else if (arg === "--latest" || arg === "--reference" || arg === "--out") {
      const value = argv[++i];
      if (!value) throw new Error(`bench-docs: ${arg} needs a value`);
      options[arg.slice(2)] = path.resolve(value);
    } else throw new Error(`bench-docs: unknown argument ${arg} (expected --latest dir, --reference dir, --out file, --check)`);
  }
  return options;
}

/** Reads every *.json of a folder as a bench file; a missing folder is an empty list, a bad file an error naming it. */
function readBenchDir(dir) {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  const files = names.map((name) => {
    const file = path.join(dir, name);
    let parsed;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new Error(`bench-docs: ${file} is not valid JSON: ${error.message}`);
    }
    if (!parsed || typeof parsed.results !== "object" || parsed.results === null || Array.isArray(parsed.results)) {
      throw new Error(`bench-docs: ${file}: field "results" must be an object of key -> value`);
    }
    return { project: name.replace(/\.json$/, ""), ...parsed };
  });
  const rank = (p) => (PROJECT_ORDER.includes(p) ? PROJECT_ORDER.indexOf(p) : PROJECT_ORDER.length);
  return files.sort((a, b) => rank(a.project) - rank(b.project) || a.project.localeCompare(b.project));
}

function formatValue(key, value) {
  if (typeof value !== "number") return String(value);
  const grouped = (v, digits = 0) => v.toLocaleString("en-US", { maximumFractionDigits: digits });
  if (/^mfu|fraction|share/.test(key)) return `${grouped(100 * value, value < 0.01 ? 2 : 1)}%`;
  if (/(^|_)(ratio|speedup)(_|$)/.test(key)) return `${grouped(value, 1)}x`;
  if (/gflops/.test(key)) return `${grouped(value, 1)} GFLOP/s`;
  if (/tokens_per_s/.test(key)) return `${grouped(value)} tokens/s`;
  if (/rows_per_s/.test(key)) return `${grouped(value)} rows/s`;
  if (/points_per_s/.test(key)) return value >= 1e6 ? `${grouped(value / 1e6, 2)} M/s` : `${grouped(value)}/s`;
  if (/_per_s$/.test(key)) return `${grouped(value, 2)}/s`;
  if (/_ms(_|$)/.test(key)) return `${grouped(value, 1)} ms`;
  if (/_mb$/.test(key)) return `${grouped(value)} MB`;
  if (/_s$/.test(key)) return `${grouped(value, 1)} s`;
  return grouped(value, 4);
}

function machineLine(file) {
  const m = file.machine ?? {};
  const parts = [
    `${m.cpu ?? "unknown CPU"} x${m.cores ?? "?"}`,
    m.memory_gb ? `${m.memory_gb} GB` : null,
    m.platform,
    m.node ? `Node ${m.node}` : null,
    `device ${file.device ?? "?"}`,
    `commit ${file.commit ?? "?"}`,
    file.time ? `at ${file.time}` : null,
  ];
  return parts.filter(Boolean).join(", ");
}

function renderFiles(files) {
  const lines = [];
  for (const file of files) {
    lines.push(
      `### ${file.project}`,
      "",
      machineLine(file) + (file.note ? `. ${file.note}` : ""),
      "",
      "| key | value | target | what |",
      "|---|---|---|---|",
    );
    lines.push(...rows(file.results));
    lines.push("");
  }
  return lines;
}

export function renderBenchmarksPage(latest, reference) {
  const lines = [
    "# Benchmarks",
    "",
    "<!-- Generated by `node tools/bin/bench-docs.mjs`; edit that script or the result files, not this page. -->",
    "",
    "Every project with a `bench` target measures itself and writes `bench-results/<project>.json`",
    "(git-ignored): `{machine, device, commit, time, results}`. Benchmarks are scripts that print",
    "medians; no test depends on timing. How each one works and what its numbers mean is described",
    "beside the code it measures: [engine.md](engine.md), [storage.md](storage.md),",
    "[best-of-n.md](best-of-n.md#wall-time-2-core-amd-epyc-24-gb-onnx-runtime-cpu) and",
    "[desktop.md](desktop.md).",
    "",
    "## Regenerating this page",
    "",
    "```sh",
    "npm run bench                      # every benchmark, a summary table, then this page",
    "node tools/bin/bench-docs.mjs      # this page only, from bench-results/ and docs/bench-reference/",
    "node tools/bin/bench-docs.mjs --check   # exit 1 when the page is stale",
    "```",
    "",
    "To make a run the new reference, copy its `bench-results/*.json` into `docs/bench-reference/` and",
    "regenerate. Numbers on a shared machine vary several-fold with the load average; record the",
    "reference on an otherwise idle machine. The numbers quoted in the other pages were often measured",
    "while other jobs shared the cores, so they are lower; the reference run is the one to compare with.",
    "",
    "## Latest run in this checkout (`bench-results/`)",
    "",
  ];
  if (latest.length === 0)
    lines.push("No `bench-results/` here when this page was generated: run `npm run bench` to add the latest run.", "");
  else lines.push(...renderFiles(latest));
  lines.push("## Reference results (`docs/bench-reference/`)", "");
  if (reference.length === 0) lines.push("No reference results are committed.", "");
  else lines.push(...renderFiles(reference));
  return `${lines.join("\n").trimEnd()}\n`;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const page = renderBenchmarksPage(readBenchDir(options.latest), readBenchDir(options.reference));
  if (options.check) {
    const current = existsSync(options.out) ? readFileSync(options.out, "utf8") : "";
    if (current !== page) {
      console.error(`${path.relative(process.cwd(), options.out)} is stale: run node tools/bin/bench-docs.mjs`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(options.out, page);
  console.log(`Wrote ${path.relative(process.cwd(), options.out)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
