import type Database from "better-sqlite3";
import type { SampleSet, StoredSample } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

/** A best-of-n pool set to store: per evaluation prompt, its N samples. */
export interface NewSampleSet {
  runId: number;
  name: string;
  /** Series whose scores come first in each row of `scores`. */
  series: string[];
  members: number;
  poolSize: number;
  pools: {
    prompt: string;
    completions: readonly string[];
    gold: ArrayLike<number>;
    logProb: ArrayLike<number> | null;
    /** Row-major [poolSize, series.length + members]. */
    scores: ArrayLike<number>;
  }[];
}

/** The completion a best-of-n draw of size n picks for one prompt (see `SampleRepository.picks`). */
export interface BestOfNPick {
  promptIndex: number;
  prompt: string;
  sampleIndex: number;
  completion: string;
  /** The series' proxy score of the pick, and gold. */
  proxy: number;
  gold: number;
  /** Both recentred on the prompt's whole-pool mean (the base policy's expected score = 0). */
  proxyGain: number;
  goldGain: number;
  /** ln pi_init(completion | prompt), when stored. */
  logProb: number | null;
  /** Each member's normalised score of the pick. */
  members: number[];
}

interface SetRow {
  id: number;
  run_id: number;
  name: string;
  series: string;
  members: number;
  pool_size: number;
  prompts: number;
  created_at: string;
}

interface SampleRow {
  prompt_index: number;
  sample_index: number;
  prompt: string;
  completion: string;
  gold: number;
  log_prob: number | null;
  scores: Buffer;
}

const toSet = (r: SetRow): SampleSet => ({
  id: r.id,
  runId: r.run_id,
  name: r.name,
  series: fromJson<string[]>(r.series) ?? [],
  members: r.members,
  poolSize: r.pool_size,
  prompts: r.prompts,
  createdAt: r.created_at,
});

const toSample = (r: SampleRow): StoredSample => ({
  promptIndex: r.prompt_index,
  sampleIndex: r.sample_index,
  prompt: r.prompt,
  completion: r.completion,
  gold: r.gold,
  logProb: r.log_prob,
  // Copy out of the row's buffer: its offset need not be 8-aligned.
  scores: new Float64Array(new Uint8Array(r.scores).buffer),
});

/**
 * The samples behind best-of-n curves: a run's pools (one set per run and name), one row per sample
 * with its scores as a Float64 blob. Stored in one transaction; a bad set stores nothing.
 */
export class SampleRepository {
  private readonly insertSetStmt;
  private readonly insertSampleStmt;
  private readonly setsOfRunStmt;
  private readonly getSetStmt;
  private readonly samplesStmt;

  constructor(private readonly db: Database.Database) {
    this.insertSetStmt = db.prepare(
      "INSERT INTO sample_sets (run_id, name, series, members, pool_size, prompts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.insertSampleStmt = db.prepare(
      "INSERT INTO samples (set_id, prompt_index, sample_index, prompt, completion, gold, log_prob, scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.setsOfRunStmt = db.prepare<[number], SetRow>("SELECT * FROM sample_sets WHERE run_id = ? ORDER BY id");
    this.getSetStmt = db.prepare<[number], SetRow>("SELECT * FROM sample_sets WHERE id = ?");
    this.samplesStmt = db.prepare<[number], SampleRow>("SELECT * FROM samples WHERE set_id = ? ORDER BY prompt_index, sample_index");
  }

  /** Stores a set; errors name the pool (prompt index) and sample. */
  create(set: NewSampleSet): SampleSet {
    const where = `sample set '${set.name}' of run ${set.runId}`;
    const width = set.series.length + set.members;
    if (!Number.isInteger(set.poolSize) || set.poolSize < 1)
      throw new RangeError(`${where}: poolSize must be a positive integer, got ${set.poolSize}`);
    if (!Number.isInteger(set.members) || set.members < 0)
      throw new RangeError(`${where}: members must be an integer >= 0, got ${set.members}`);
    if (width === 0) throw new RangeError(`${where}: no series and no members, so there are no proxy scores to store`);
    if (set.pools.length === 0) throw new RangeError(`${where}: no pools`);
    set.pools.forEach((pool, p) => {
      const at = `${where}, pool ${p}`;
      if (pool.completions.length !== set.poolSize)
        throw new RangeError(`${at}: ${pool.completions.length} completions, expected poolSize ${set.poolSize}`);
      if (pool.gold.length !== set.poolSize) throw new RangeError(`${at}: ${pool.gold.length} gold scores, expected ${set.poolSize}`);
      if (pool.logProb && pool.logProb.length !== set.poolSize)
        throw new RangeError(`${at}: ${pool.logProb.length} log-probabilities, expected ${set.poolSize}`);
      if (pool.scores.length !== set.poolSize * width)
        throw new RangeError(`${at}: ${pool.scores.length} scores, expected ${set.poolSize} x ${width}`);
      for (let i = 0; i < set.poolSize; i++) {
        if (!Number.isFinite(pool.gold[i])) throw new RangeError(`${at}, sample ${i}: gold is ${pool.gold[i]}`);
        for (let c = 0; c < width; c++)
          if (!Number.isFinite(pool.scores[i * width + c]))
            throw new RangeError(`${at}, sample ${i}: score ${c} is ${pool.scores[i * width + c]}`);
      }
    });
    const id = this.db.transaction(() => {
      const setId = Number(
        this.insertSetStmt.run(set.runId, set.name, toJson(set.series), set.members, set.poolSize, set.pools.length, nowIso())
          .lastInsertRowid,
      );
      set.pools.forEach((pool, p) => {
        for (let i = 0; i < set.poolSize; i++) {
          const scores = Float64Array.from({ length: width }, (_, c) => pool.scores[i * width + c]!);
          this.insertSampleStmt.run(
            setId,
            p,
            i,
            pool.prompt,
            pool.completions[i]!,
            pool.gold[i]!,
            pool.logProb ? pool.logProb[i]! : null,
            Buffer.from(scores.buffer),
          );
        }
      });
      return setId;
    })();
    return this.get(id)!;
  }

  get(id: number): SampleSet | undefined {
    const row = this.getSetStmt.get(id);
    return row && toSet(row);
  }

  /** A run's sample sets. */
  forRun(runId: number): SampleSet[] {
    return this.setsOfRunStmt.all(runId).map(toSet);
  }

  /** Every sample of a set, by prompt then sample index. */
  samples(setId: number): StoredSample[] {
    return this.samplesStmt.all(setId).map(toSample);
  }

  /**
   * Per prompt, the completion a best-of-n draw of size n picks under `series`: the highest score
   * among the pool's first n samples (pool samples are i.i.d. draws of the base policy, so the
   * first n are a genuine draw of n; ties go to the earlier sample). Gains are relative to the
   * prompt's whole-pool means. `sort: "proxy-gold"` orders by proxyGain - goldGain, largest first
   * (where the proxy most overrates its pick), else by prompt.
   */
  picks(setId: number, options: { n: number; series: string; sort?: "proxy-gold" | "prompt" }): BestOfNPick[] {
    const set = this.get(setId);
    if (!set) throw new RangeError(`no sample set ${setId}`);
    const column = set.series.indexOf(options.series);
    if (column < 0) throw new RangeError(`sample set ${setId} has no series '${options.series}'; it has ${set.series.join(", ")}`);
    if (!Number.isInteger(options.n) || options.n < 1 || options.n > set.poolSize)
      throw new RangeError(`n must be an integer in [1, ${set.poolSize}] (the pool size), got ${options.n}`);
    const byPrompt = new Map<number, StoredSample[]>();
    for (const s of this.samples(setId)) {
      if (!byPrompt.has(s.promptIndex)) byPrompt.set(s.promptIndex, []);
      byPrompt.get(s.promptIndex)!.push(s);
    }
    const out: BestOfNPick[] = [];
    for (const [promptIndex, pool] of byPrompt) {
      let best = pool[0]!;
      for (const s of pool.slice(0, options.n)) if (s.scores[column]! > best.scores[column]!) best = s;
      const meanProxy = pool.reduce((a, s) => a + s.scores[column]!, 0) / pool.length;
      const meanGold = pool.reduce((a, s) => a + s.gold, 0) / pool.length;
      out.push({
        promptIndex,
        prompt: best.prompt,
        sampleIndex: best.sampleIndex,
        completion: best.completion,
        proxy: best.scores[column]!,
        gold: best.gold,
        proxyGain: best.scores[column]! - meanProxy,
        goldGain: best.gold - meanGold,
        logProb: best.logProb,
        members: Array.from(best.scores.subarray(set.series.length)),
      });
    }
    if (options.sort === "proxy-gold")
      out.sort((a, b) => b.proxyGain - b.goldGain - (a.proxyGain - a.goldGain) || a.promptIndex - b.promptIndex);
    return out;
  }
}
