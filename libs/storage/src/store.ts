import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { defaultDatabasePath } from "./app-data.ts";
import { latestVersion, migrate } from "./migrations/index.ts";
import { CurveRepository } from "./repositories/curves.ts";
import { DatasetRepository } from "./repositories/datasets.ts";
import { ExampleRepository } from "./repositories/examples.ts";
import { ExperimentRepository, SweepRepository } from "./repositories/experiments.ts";
import { FitRepository } from "./repositories/fits.ts";
import { SampleRepository } from "./repositories/samples.ts";
import { LabelSetRepository } from "./repositories/label-sets.ts";
import { LabelRepository } from "./repositories/labels.ts";
import { LlmJudgementRepository } from "./repositories/llm-judgements.ts";
import { MetricRepository } from "./repositories/metrics.ts";
import { CheckpointRepository, ModelRepository } from "./repositories/models.ts";
import { ReportRepository } from "./repositories/reports.ts";
import { RunRepository } from "./repositories/runs.ts";
import { RunExecutionRepository } from "./repositories/run-executions.ts";

// The connection stays inside libs/storage: modules here reach it through this map, the
// public LabStore type does not expose it.
const connections = new WeakMap<LabStore, Database.Database>();

/** @internal The better-sqlite3 connection behind a store (libs/storage only). */
export function connectionOf(store: LabStore): Database.Database {
  const db = connections.get(store);
  if (!db || !db.open) throw new Error("the lab database is closed");
  return db;
}

export interface OpenOptions {
  /** Open without writing (no migrations); fails if the file does not exist. */
  readonly?: boolean;
}

/** One lab database: every repository over one connection. */
export class LabStore {
  readonly datasets: DatasetRepository;
  readonly examples: ExampleRepository;
  readonly labels: LabelRepository;
  readonly labelSets: LabelSetRepository;
  readonly llmJudgements: LlmJudgementRepository;
  readonly models: ModelRepository;
  readonly checkpoints: CheckpointRepository;
  readonly experiments: ExperimentRepository;
  readonly sweeps: SweepRepository;
  readonly runs: RunRepository;
  readonly runExecutions: RunExecutionRepository;
  readonly metrics: MetricRepository;
  readonly curves: CurveRepository;
  readonly fits: FitRepository;
  readonly samples: SampleRepository;
  readonly reports: ReportRepository;

  constructor(
    /** The file path, or `:memory:`. */
    readonly path: string,
    db: Database.Database,
  ) {
    connections.set(this, db);
    this.datasets = new DatasetRepository(db);
    this.examples = new ExampleRepository(db);
    this.labels = new LabelRepository(db);
    this.labelSets = new LabelSetRepository(db);
    this.llmJudgements = new LlmJudgementRepository(db);
    this.models = new ModelRepository(db);
    this.checkpoints = new CheckpointRepository(db);
    this.experiments = new ExperimentRepository(db);
    this.sweeps = new SweepRepository(db);
    this.runs = new RunRepository(db);
    this.runExecutions = new RunExecutionRepository(db);
    this.metrics = new MetricRepository(db);
    this.curves = new CurveRepository(db);
    this.fits = new FitRepository(db);
    this.samples = new SampleRepository(db);
    this.reports = new ReportRepository(db);
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return connectionOf(this).transaction(fn)();
  }

  /** The schema version stored in the file (`PRAGMA user_version`). */
  schemaVersion(): number {
    return connectionOf(this).pragma("user_version", { simple: true }) as number;
  }

  /** `PRAGMA integrity_check`: `ok` or the problems found. */
  integrityCheck(): string {
    const rows = connectionOf(this).pragma("integrity_check") as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join("\n");
  }

  /** The journal mode in use (`wal` for files). */
  journalMode(): string {
    return connectionOf(this).pragma("journal_mode", { simple: true }) as string;
  }

  get isOpen(): boolean {
    return connections.get(this)?.open ?? false;
  }

  close(): void {
    const db = connections.get(this);
    if (db?.open) db.close();
  }
}

/**
 * Opens (creating if needed) a lab database and brings its schema up to date. WAL journal,
 * foreign keys on. A file written by a newer Goodhart Lab is refused with `NewerDatabaseError`.
 * Defaults to {@link defaultDatabasePath}.
 */
export function openDatabase(file: string = defaultDatabasePath(), options: OpenOptions = {}): LabStore {
  const inMemory = file === ":memory:" || file === "";
  if (!inMemory && !options.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    // 32 MiB page cache (default 2 MiB): an import's index inserts and long curve reads stay in memory.
    db.pragma("cache_size = -32768");
    if (!inMemory && !options.readonly) {
      db.pragma("journal_mode = WAL");
      // NORMAL is durable against process crashes in WAL mode; only an OS crash can lose the last commits.
      db.pragma("synchronous = NORMAL");
      // Memory-mapped reads: a 100k-point curve is ~7 MB of blobs; mapping it saves a copy per page (4x less CPU measured).
      db.pragma("mmap_size = 268435456");
    }
    if (options.readonly) {
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > latestVersion()) migrate(db, undefined, file); // throws NewerDatabaseError
      if (version < latestVersion()) throw new Error(`${file}: schema version ${version} needs upgrading; open it once without readonly`);
    } else {
      migrate(db, undefined, file);
    }
    return new LabStore(file, db);
  } catch (err) {
    db.close();
    throw err;
  }
}
