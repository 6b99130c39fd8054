// The science benchmark's findings (bench-results/science.json), recomputed from the samples two
// studies stored: `goodhart demo` (the best-of-n findings at 25% noise) and
// tools/bench/science-bon-data.yaml (more data). Each finding is a number with its 95% bootstrap
// interval over prompts and seeds (libs/objectives experiments/bon-findings.ts; definitions in
// docs/science.md). Run by tools/bench/objectives.ts; on its own it reproduces the file from two
// databases:
//   goodhart demo --db demo.sqlite
//   goodhart run tools/bench/science-bon-data.yaml --db data.sqlite
//   npx tsx tools/bench/science.ts demo.sqlite data.sqlite
import { pathToFileURL } from "node:url";
import { aboveZero, demoFindings, moreDataFinding, promptValuesFromPools, type Finding, type FindingRun } from "@goodhart/objectives";
import { openDatabase } from "@goodhart/storage";
import { recordBench } from "./record.ts";

export const DATA_STUDY = "tools/bench/science-bon-data.yaml";
const REPRODUCE = `goodhart demo --db demo.sqlite && goodhart run ${DATA_STUDY} --db data.sqlite && npx tsx tools/bench/science.ts demo.sqlite data.sqlite`;

interface StoredRun {
  proxy: string;
  trainingSize: number;
  labelNoise: number;
  seed: number;
  members: { validationAccuracy: number }[];
}

export type BenchRun = FindingRun & { members: { validationAccuracy: number }[] };

/** Every finished run of a database with its per-series best-of-n values, rebuilt from its stored sample set. */
export function storedRuns(db: string): BenchRun[] {
  const store = openDatabase(db);
  try {
    return store.runs.list({ status: "done" }).map((run) => {
      const result = run.result as { runs?: StoredRun[] } | null;
      const meta = result?.runs?.[0];
      if (!meta) throw new Error(`${db}: run ${run.id} has no stored result`);
      const set = store.samples.forRun(run.id)[0];
      if (!set) throw new Error(`${db}: run ${run.id} has no stored samples`);
      const width = set.series.length + set.members;
      const rows = store.samples.samples(set.id);
      const pools = Array.from({ length: set.prompts }, (_, p) => {
        const own = rows.filter((r) => r.promptIndex === p);
        const scores = new Float64Array(own.length * width);
        own.forEach((r, i) => scores.set(r.scores, i * width));
        return { gold: own.map((r) => r.gold), scores, width };
      });
      return {
        proxy: meta.proxy,
        trainingSize: meta.trainingSize,
        labelNoise: meta.labelNoise,
        seed: meta.seed,
        members: meta.members,
        series: promptValuesFromPools({ series: set.series, pools }),
      };
    });
  } finally {
    store.close();
  }
}

const round = (x: number) => Number(x.toFixed(4));

function put(results: Record<string, number | string>, key: string, f: Finding): void {
  results[key] = round(f.estimate);
  results[`${key}_ci_low`] = round(f.low);
  results[`${key}_ci_high`] = round(f.high);
  results[`${key}_seeds`] = f.seeds;
  results[`${key}_prompts`] = f.prompts;
  results[`${key}_holds`] = aboveZero(f) ? 1 : 0; // every best-of-n finding is "> 0"
  results[`${key}_command`] = REPRODUCE;
}

/** The findings of the demo's and the data study's runs, as flat benchmark keys. */
export function scienceResults(demoRuns: readonly BenchRun[], dataRuns: readonly BenchRun[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, f] of Object.entries(demoFindings(demoRuns, { noise: 0.25 }))) put(out, key, f);
  put(out, "bon_more_data_gain", moreDataFinding(dataRuns));
  out.bootstrap_replicates = 1000;
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [demoDb, dataDb] = process.argv.slice(2);
  if (!demoDb || !dataDb) {
    console.error("usage: npx tsx tools/bench/science.ts <demo.sqlite> <data.sqlite>");
    process.exit(2);
  }
  recordBench("science", "cpu", scienceResults(storedRuns(demoDb), storedRuns(dataDb)));
}
