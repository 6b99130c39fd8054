import type Database from "better-sqlite3";
import type { Dataset, JsonObject } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface DatasetRow {
  id: number;
  name: string;
  source_path: string;
  content_hash: string;
  format: string;
  row_count: number;
  detection: string | null;
  imported_at: string;
}

function toDataset(r: DatasetRow): Dataset {
  return {
    id: r.id,
    name: r.name,
    sourcePath: r.source_path,
    contentHash: r.content_hash,
    format: r.format,
    rowCount: r.row_count,
    detection: fromJson<JsonObject>(r.detection),
    importedAt: r.imported_at,
  };
}

export interface NewDataset {
  name: string;
  sourcePath: string;
  contentHash: string;
  format: string;
  rowCount?: number;
  detection?: JsonObject | null;
}

/** Count of labels of one source and dimension in a dataset. */
export interface LabelCount {
  source: string;
  dimension: string;
  count: number;
}

export class DatasetRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly byHashStmt;
  private readonly deleteStmt;
  private readonly setRowCountStmt;
  private readonly labelCountsStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO datasets (name, source_path, content_hash, format, row_count, detection, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare<[number], DatasetRow>("SELECT * FROM datasets WHERE id = ?");
    this.listStmt = db.prepare<[], DatasetRow>("SELECT * FROM datasets ORDER BY id");
    this.byHashStmt = db.prepare<[string], DatasetRow>("SELECT * FROM datasets WHERE content_hash = ? ORDER BY id");
    this.deleteStmt = db.prepare("DELETE FROM datasets WHERE id = ?");
    this.setRowCountStmt = db.prepare("UPDATE datasets SET row_count = ? WHERE id = ?");
    this.labelCountsStmt = db.prepare<[number], LabelCount>(
      `SELECT l.source AS source, l.dimension AS dimension, count(*) AS count
       FROM examples e JOIN labels l ON l.example_id = e.id
       WHERE e.dataset_id = ? GROUP BY l.source, l.dimension ORDER BY l.source, l.dimension`,
    );
  }

  create(d: NewDataset): Dataset {
    const importedAt = nowIso();
    const id = Number(
      this.insertStmt.run(d.name, d.sourcePath, d.contentHash, d.format, d.rowCount ?? 0, toJson(d.detection), importedAt).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Dataset | undefined {
    const row = this.getStmt.get(id);
    return row && toDataset(row);
  }

  list(): Dataset[] {
    return this.listStmt.all().map(toDataset);
  }

  /** Datasets imported from content with this sha256. */
  findByHash(contentHash: string): Dataset[] {
    return this.byHashStmt.all(contentHash).map(toDataset);
  }

  setRowCount(id: number, rowCount: number): void {
    this.setRowCountStmt.run(rowCount, id);
  }

  /** Deletes the dataset with its examples, labels and label sets. */
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }

  labelCounts(datasetId: number): LabelCount[] {
    return this.labelCountsStmt.all(datasetId);
  }
}
