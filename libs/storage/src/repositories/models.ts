import type Database from "better-sqlite3";
import type { Checkpoint, JsonObject, Model } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface ModelRow {
  id: number;
  name: string;
  kind: string;
  path: string | null;
  config: string;
  hash: string | null;
  created_at: string;
}

interface CheckpointRow {
  id: number;
  model_id: number;
  run_id: number | null;
  step: number;
  path: string;
  config: string;
  hash: string | null;
  created_at: string;
}

const toModel = (r: ModelRow): Model => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  path: r.path,
  config: fromJson<JsonObject>(r.config) ?? {},
  hash: r.hash,
  createdAt: r.created_at,
});

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  id: r.id,
  modelId: r.model_id,
  runId: r.run_id,
  step: r.step,
  path: r.path,
  config: fromJson<JsonObject>(r.config) ?? {},
  hash: r.hash,
  createdAt: r.created_at,
});

export interface NewModel {
  name: string;
  kind: string;
  path?: string | null;
  config?: JsonObject;
  hash?: string | null;
}

export class ModelRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly deleteStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare("INSERT INTO models (name, kind, path, config, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    this.getStmt = db.prepare<[number], ModelRow>("SELECT * FROM models WHERE id = ?");
    this.listStmt = db.prepare<[], ModelRow>("SELECT * FROM models ORDER BY id");
    this.deleteStmt = db.prepare("DELETE FROM models WHERE id = ?");
  }

  create(m: NewModel): Model {
    const id = Number(
      this.insertStmt.run(m.name, m.kind, m.path ?? null, toJson(m.config ?? {}), m.hash ?? null, nowIso()).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Model | undefined {
    const row = this.getStmt.get(id);
    return row && toModel(row);
  }

  list(): Model[] {
    return this.listStmt.all().map(toModel);
  }

  /** Deletes the model row and its checkpoint rows (files on disk are the caller's). */
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}

export interface NewCheckpoint {
  modelId: number;
  runId?: number | null;
  step?: number;
  path: string;
  config?: JsonObject;
  hash?: string | null;
}

export class CheckpointRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byModelStmt;
  private readonly latestForRunStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      "INSERT INTO checkpoints (model_id, run_id, step, path, config, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.getStmt = db.prepare<[number], CheckpointRow>("SELECT * FROM checkpoints WHERE id = ?");
    this.byModelStmt = db.prepare<[number], CheckpointRow>("SELECT * FROM checkpoints WHERE model_id = ? ORDER BY step, id");
    this.latestForRunStmt = db.prepare<[number], CheckpointRow>(
      "SELECT * FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT 1",
    );
  }

  create(c: NewCheckpoint): Checkpoint {
    const id = Number(
      this.insertStmt.run(c.modelId, c.runId ?? null, c.step ?? 0, c.path, toJson(c.config ?? {}), c.hash ?? null, nowIso())
        .lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Checkpoint | undefined {
    const row = this.getStmt.get(id);
    return row && toCheckpoint(row);
  }

  forModel(modelId: number): Checkpoint[] {
    return this.byModelStmt.all(modelId).map(toCheckpoint);
  }

  /** The checkpoint an interrupted run resumes from. */
  latestForRun(runId: number): Checkpoint | undefined {
    const row = this.latestForRunStmt.get(runId);
    return row && toCheckpoint(row);
  }
}
