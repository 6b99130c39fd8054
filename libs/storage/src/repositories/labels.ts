import type Database from "better-sqlite3";
import type { Label, LabelSource, NewLabel, Preference } from "../dto.ts";
import { nowIso } from "../json.ts";

export interface LabelRow {
  id: number;
  example_id: number;
  dimension: string;
  preferred: Preference;
  source: LabelSource;
  annotator: string | null;
  confidence: number | null;
  created_at: string;
}

export function toLabel(r: LabelRow): Label {
  return {
    id: r.id,
    exampleId: r.example_id,
    dimension: r.dimension,
    preferred: r.preferred,
    source: r.source,
    annotator: r.annotator,
    confidence: r.confidence,
    createdAt: r.created_at,
  };
}

export class LabelRepository {
  private readonly insertStmt;
  private readonly byExampleStmt;
  private readonly byDatasetStmt;
  private readonly removeHumanStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO labels (example_id, dimension, preferred, source, annotator, confidence, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byExampleStmt = db.prepare<[number], LabelRow>("SELECT * FROM labels WHERE example_id = ? ORDER BY id");
    this.byDatasetStmt = db.prepare<[number, string, string | null, string | null], LabelRow>(
      `SELECT l.* FROM examples e JOIN labels l ON l.example_id = e.id
       WHERE e.dataset_id = ? AND l.dimension = ? AND (? IS NULL OR l.source = ?)
       ORDER BY e.row_index, l.id`,
    );
    this.removeHumanStmt = db.prepare(
      "DELETE FROM labels WHERE id = ? AND source = 'human' AND NOT EXISTS (SELECT 1 FROM label_set_members WHERE label_id = ?)",
    );
  }

  /**
   * Removes a person's label (the Labels screen's undo). Labels from other sources, and labels a
   * label set holds, are never removed: returns false and changes nothing.
   */
  removeHuman(id: number): boolean {
    return this.removeHumanStmt.run(id, id).changes === 1;
  }

  add(label: NewLabel): Label {
    return this.addMany([label])[0]!;
  }

  /** Adds labels in one transaction. */
  addMany(labels: readonly NewLabel[]): Label[] {
    const now = nowIso();
    return this.db.transaction(() =>
      labels.map((l) => {
        const createdAt = l.createdAt ?? now;
        const dimension = l.dimension ?? "overall";
        const id = Number(
          this.insertStmt.run(l.exampleId, dimension, l.preferred, l.source, l.annotator ?? null, l.confidence ?? null, createdAt)
            .lastInsertRowid,
        );
        return {
          id,
          exampleId: l.exampleId,
          dimension,
          preferred: l.preferred,
          source: l.source,
          annotator: l.annotator ?? null,
          confidence: l.confidence ?? null,
          createdAt,
        };
      }),
    )();
  }

  forExample(exampleId: number): Label[] {
    return this.byExampleStmt.all(exampleId).map(toLabel);
  }

  /** Labels of a dataset for one dimension (and optionally one source), in row order. */
  forDataset(datasetId: number, options: { dimension?: string; source?: LabelSource } = {}): Label[] {
    const source = options.source ?? null;
    return this.byDatasetStmt.all(datasetId, options.dimension ?? "overall", source, source).map(toLabel);
  }
}
