import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import type { LabelSource, NewExample, Preference } from "../dto.ts";
import { exampleValues } from "../repositories/examples.ts";

export interface StagedLabel {
  dimension: string;
  preferred: Preference;
  source: LabelSource;
  annotator: string | null;
  confidence: number | null;
}

const FLUSH_ROWS = 2048;
/** Rows per multi-row INSERT: fewer calls into the driver per row. */
const PER_STATEMENT = 64;

/**
 * Rows parsed so far live in a private scratch database, not in the lab file: the lab's
 * connection stays free for other work during a long import, and the lab file only changes in
 * the single transaction that copies the finished dataset in. A killed import leaves the lab
 * file as it was.
 */
export class StagingArea {
  readonly path = path.join(os.tmpdir(), `goodhart-import-${process.pid}-${randomUUID()}.sqlite`);
  private readonly db: Database.Database;
  private readonly insertExample;
  private readonly insertExamples;
  private readonly insertLabel;
  private readonly insertLabels;
  private examples: unknown[][] = [];
  private labels: unknown[][] = [];
  rows = 0;
  labelCount = 0;

  constructor() {
    this.db = new Database(this.path);
    // Scratch data: no journal, no fsync.
    this.db.pragma("journal_mode = OFF");
    this.db.pragma("synchronous = OFF");
    this.db.exec(`
      CREATE TABLE ex (seq INTEGER PRIMARY KEY, row_index INTEGER, kind TEXT, prompt TEXT, prompt_messages TEXT, response_a TEXT,
                       response_b TEXT, responses TEXT, category TEXT, metadata TEXT);
      CREATE TABLE lab (seq INTEGER, dimension TEXT, preferred TEXT, source TEXT, annotator TEXT, confidence REAL);
    `);
    const values = (columns: number, rows: number) =>
      Array.from({ length: rows }, () => `(${Array(columns).fill("?").join(", ")})`).join(", ");
    this.insertExample = this.db.prepare(`INSERT INTO ex VALUES ${values(10, 1)}`);
    this.insertExamples = this.db.prepare(`INSERT INTO ex VALUES ${values(10, PER_STATEMENT)}`);
    this.insertLabel = this.db.prepare(`INSERT INTO lab VALUES ${values(6, 1)}`);
    this.insertLabels = this.db.prepare(`INSERT INTO lab VALUES ${values(6, PER_STATEMENT)}`);
  }

  add(example: NewExample, labels: readonly StagedLabel[]): void {
    // seq numbers the examples densely, so the commit can give them ids base+seq and link labels without a join.
    const seq = ++this.rows;
    this.examples.push([seq, ...exampleValues(example)]);
    for (const l of labels) this.labels.push([seq, l.dimension, l.preferred, l.source, l.annotator, l.confidence]);
    this.labelCount += labels.length;
    if (this.examples.length >= FLUSH_ROWS) this.flush();
  }

  flush(): void {
    const examples = this.examples;
    const labels = this.labels;
    this.examples = [];
    this.labels = [];
    const write = (rows: unknown[][], many: Database.Statement, one: Database.Statement) => {
      let i = 0;
      for (; i + PER_STATEMENT <= rows.length; i += PER_STATEMENT) many.run(rows.slice(i, i + PER_STATEMENT).flat());
      for (; i < rows.length; i++) one.run(rows[i]);
    };
    this.db.transaction(() => {
      write(examples, this.insertExamples, this.insertExample);
      write(labels, this.insertLabels, this.insertLabel);
    })();
  }

  /** Writes everything out and closes the scratch file so the lab connection can attach it. */
  seal(): void {
    this.flush();
    this.db.close();
  }

  dispose(): void {
    if (this.db.open) this.db.close();
    for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(this.path + suffix, { force: true });
  }
}

/**
 * Copies a sealed staging area into the lab database as dataset `datasetId` (already inserted by
 * the caller inside the same transaction). Must run inside that write transaction: the example
 * ids are allocated as max(id) + seq.
 */
export function copyStaged(main: Database.Database, datasetId: number, createdAt: string): void {
  const base = (main.prepare("SELECT coalesce(max(id), 0) AS base FROM main.examples").get() as { base: number }).base;
  main
    .prepare(
      `INSERT INTO main.examples (id, dataset_id, row_index, kind, prompt, prompt_messages, response_a, response_b, responses, category, metadata)
       SELECT ? + seq, ?, row_index, kind, prompt, prompt_messages, response_a, response_b, responses, category, metadata
       FROM goodhart_import.ex ORDER BY seq`,
    )
    .run(base, datasetId);
  main
    .prepare(
      `INSERT INTO main.labels (example_id, dimension, preferred, source, annotator, confidence, created_at)
       SELECT ? + seq, dimension, preferred, source, annotator, confidence, ? FROM goodhart_import.lab ORDER BY rowid`,
    )
    .run(base, createdAt);
}

/** Runs `fn` with the staging file attached to `main` as `goodhart_import`. */
export function withAttached<T>(main: Database.Database, stagingPath: string, fn: () => T): T {
  main.prepare("ATTACH DATABASE ? AS goodhart_import").run(stagingPath);
  try {
    return fn();
  } finally {
    main.prepare("DETACH DATABASE goodhart_import").run();
  }
}
