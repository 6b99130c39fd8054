import type Database from "better-sqlite3";
import type { Experiment, JsonObject, Sweep } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface ExperimentRow {
  id: number;
  name: string;
  kind: string;
  config: string;
  created_at: string;
}

interface SweepRow {
  id: number;
  experiment_id: number;
  name: string;
  grid: string;
  config: string;
  created_at: string;
}

const toExperiment = (r: ExperimentRow): Experiment => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  config: fromJson<JsonObject>(r.config) ?? {},
  createdAt: r.created_at,
});

const toSweep = (r: SweepRow): Sweep => ({
  id: r.id,
  experimentId: r.experiment_id,
  name: r.name,
  grid: fromJson<JsonObject>(r.grid) ?? {},
  config: fromJson<JsonObject>(r.config) ?? {},
  createdAt: r.created_at,
});

export class ExperimentRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare("INSERT INTO experiments (name, kind, config, created_at) VALUES (?, ?, ?, ?)");
    this.getStmt = db.prepare<[number], ExperimentRow>("SELECT * FROM experiments WHERE id = ?");
    this.listStmt = db.prepare<[], ExperimentRow>("SELECT * FROM experiments ORDER BY id");
  }

  create(e: { name: string; kind: string; config?: JsonObject }): Experiment {
    const id = Number(this.insertStmt.run(e.name, e.kind, toJson(e.config ?? {}), nowIso()).lastInsertRowid);
    return this.get(id)!;
  }

  get(id: number): Experiment | undefined {
    const row = this.getStmt.get(id);
    return row && toExperiment(row);
  }

  list(): Experiment[] {
    return this.listStmt.all().map(toExperiment);
  }
}

export class SweepRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byExperimentStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare("INSERT INTO sweeps (experiment_id, name, grid, config, created_at) VALUES (?, ?, ?, ?, ?)");
    this.getStmt = db.prepare<[number], SweepRow>("SELECT * FROM sweeps WHERE id = ?");
    this.byExperimentStmt = db.prepare<[number], SweepRow>("SELECT * FROM sweeps WHERE experiment_id = ? ORDER BY id");
  }

  create(s: { experimentId: number; name: string; grid?: JsonObject; config?: JsonObject }): Sweep {
    const id = Number(this.insertStmt.run(s.experimentId, s.name, toJson(s.grid ?? {}), toJson(s.config ?? {}), nowIso()).lastInsertRowid);
    return this.get(id)!;
  }

  get(id: number): Sweep | undefined {
    const row = this.getStmt.get(id);
    return row && toSweep(row);
  }

  forExperiment(experimentId: number): Sweep[] {
    return this.byExperimentStmt.all(experimentId).map(toSweep);
  }
}
