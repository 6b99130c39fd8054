import type Database from "better-sqlite3";
import type { LabelSet, LabelSetMember, LabelSource, Preference } from "../dto.ts";
import { nowIso } from "../json.ts";
import type { LabelRow } from "./labels.ts";

interface LabelSetRow {
  id: number;
  name: string;
  dataset_id: number;
  dimension: string;
  source: LabelSource | null;
  flip_p: number;
  seed: number;
  size: number;
  flipped_count: number;
  created_at: string;
}

function toLabelSet(r: LabelSetRow): LabelSet {
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id,
    dimension: r.dimension,
    source: r.source,
    flipP: r.flip_p,
    seed: r.seed,
    size: r.size,
    flippedCount: r.flipped_count,
    createdAt: r.created_at,
  };
}

const FLIPPED: Partial<Record<Preference, Preference>> = { a: "b", b: "a", good: "bad", bad: "good" };

export interface NewLabelSet {
  name: string;
  datasetId: number;
  /** Default `overall`. */
  dimension?: string;
  /** Only labels from this source; default any. */
  source?: LabelSource;
  /** Probability with which the flips were drawn (Coste et al. use 0.25); 0 for a clean set. */
  flipP: number;
  /** Seed of the stream the flips were drawn from, so the set can be drawn again. */
  seed: number;
  /**
   * Ids of the selected labels to store flipped (a<->b, good<->bad). The caller draws them with
   * the project's one label flipper, `drawLabelFlips` in libs/objectives; storage draws nothing.
   */
  flippedLabelIds?: readonly number[];
  /**
   * Only these labels of the selection (e.g. the labels one labeler run wrote, when the dataset
   * holds several runs' labels of the same source); default every selected label.
   */
  labelIds?: readonly number[];
}

export class LabelSetRepository {
  private readonly insertStmt;
  private readonly memberStmt;
  private readonly selectLabelsStmt;
  private readonly getStmt;
  private readonly byNameStmt;
  private readonly listStmt;
  private readonly membersStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO label_sets (name, dataset_id, dimension, source, flip_p, seed, size, flipped_count, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.memberStmt = db.prepare("INSERT INTO label_set_members (label_set_id, label_id, preferred, flipped) VALUES (?, ?, ?, ?)");
    this.selectLabelsStmt = db.prepare<[number, string, string | null, string | null], LabelRow>(
      `SELECT l.* FROM examples e JOIN labels l ON l.example_id = e.id
       WHERE e.dataset_id = ? AND l.dimension = ? AND (? IS NULL OR l.source = ?)
       ORDER BY e.row_index, l.id`,
    );
    this.getStmt = db.prepare<[number], LabelSetRow>("SELECT * FROM label_sets WHERE id = ?");
    this.byNameStmt = db.prepare<[string], LabelSetRow>("SELECT * FROM label_sets WHERE name = ?");
    this.listStmt = db.prepare<[number], LabelSetRow>("SELECT * FROM label_sets WHERE dataset_id = ? ORDER BY id");
    this.membersStmt = db.prepare<
      [number],
      { label_id: number; example_id: number; preferred: Preference; original: Preference; flipped: number }
    >(
      `SELECT m.label_id, l.example_id, m.preferred, l.preferred AS original, m.flipped
       FROM label_set_members m JOIN labels l ON l.id = m.label_id
       WHERE m.label_set_id = ? ORDER BY m.label_id`,
    );
  }

  /**
   * Selects the labels of a dataset (in row order) and stores them as a set, flipping exactly
   * those in `flippedLabelIds`. A flip of a tie, of a label outside the selection, or any flip in a
   * set with flipP 0, is refused and nothing is stored.
   */
  create(spec: NewLabelSet): LabelSet {
    if (!(spec.flipP >= 0 && spec.flipP <= 1)) throw new RangeError(`label set '${spec.name}': flipP must be in [0, 1], got ${spec.flipP}`);
    if (!Number.isInteger(spec.seed)) throw new RangeError(`label set '${spec.name}': seed must be an integer, got ${spec.seed}`);
    const flippedIds = new Set(spec.flippedLabelIds ?? []);
    if (spec.flipP === 0 && flippedIds.size > 0)
      throw new RangeError(`label set '${spec.name}': flipP is 0 but ${flippedIds.size} labels are given as flipped`);
    const dimension = spec.dimension ?? "overall";
    const source = spec.source ?? null;
    return this.db.transaction(() => {
      const selected = this.selectLabelsStmt.all(spec.datasetId, dimension, source, source);
      const only = spec.labelIds && new Set(spec.labelIds);
      const labels = only ? selected.filter((l) => only.has(l.id)) : selected;
      if (only && labels.length !== only.size) {
        const found = new Set(labels.map((l) => l.id));
        const missing = [...only]
          .filter((id) => !found.has(id))
          .slice(0, 5)
          .join(", ");
        throw new RangeError(
          `label set '${spec.name}': labels ${missing} are not among the labels selected (dataset ${spec.datasetId}, dimension '${dimension}', source ${source ?? "any"})`,
        );
      }
      const decided = labels.map((l) => {
        const flip = flippedIds.delete(l.id);
        if (flip && FLIPPED[l.preferred] === undefined) {
          throw new RangeError(`label set '${spec.name}': label ${l.id} is '${l.preferred}', which has no opposite to flip to`);
        }
        return { id: l.id, preferred: flip ? FLIPPED[l.preferred]! : l.preferred, flipped: flip };
      });
      if (flippedIds.size > 0) {
        const outside = [...flippedIds].slice(0, 5).join(", ");
        throw new RangeError(
          `label set '${spec.name}': labels ${outside} are given as flipped but are not among the ${labels.length} labels selected (dataset ${spec.datasetId}, dimension '${dimension}', source ${source ?? "any"})`,
        );
      }
      const flippedCount = decided.filter((d) => d.flipped).length;
      const id = Number(
        this.insertStmt.run(spec.name, spec.datasetId, dimension, source, spec.flipP, spec.seed, decided.length, flippedCount, nowIso())
          .lastInsertRowid,
      );
      for (const d of decided) this.memberStmt.run(id, d.id, d.preferred, d.flipped ? 1 : 0);
      return this.get(id)!;
    })();
  }

  get(id: number): LabelSet | undefined {
    const row = this.getStmt.get(id);
    return row && toLabelSet(row);
  }

  byName(name: string): LabelSet | undefined {
    const row = this.byNameStmt.get(name);
    return row && toLabelSet(row);
  }

  list(datasetId: number): LabelSet[] {
    return this.listStmt.all(datasetId).map(toLabelSet);
  }

  members(labelSetId: number): LabelSetMember[] {
    return this.membersStmt.all(labelSetId).map((r) => ({
      labelId: r.label_id,
      exampleId: r.example_id,
      preferred: r.preferred,
      originalPreferred: r.original,
      flipped: r.flipped === 1,
    }));
  }
}
