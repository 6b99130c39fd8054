import type Database from "better-sqlite3";
import type { Report } from "../dto.ts";
import { fromJson, nowIso, toJson } from "../json.ts";

interface ReportRow {
  id: number;
  title: string;
  format: string;
  run_ids: string;
  path: string | null;
  content: string | null;
  created_at: string;
}

const toReport = (r: ReportRow): Report => ({
  id: r.id,
  title: r.title,
  format: r.format,
  runIds: fromJson<number[]>(r.run_ids) ?? [],
  path: r.path,
  content: r.content,
  createdAt: r.created_at,
});

export class ReportRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare("INSERT INTO reports (title, format, run_ids, path, content, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    this.getStmt = db.prepare<[number], ReportRow>("SELECT * FROM reports WHERE id = ?");
    this.listStmt = db.prepare<[], ReportRow>("SELECT * FROM reports ORDER BY id");
  }

  create(r: { title: string; format: string; runIds?: number[]; path?: string | null; content?: string | null }): Report {
    const id = Number(
      this.insertStmt.run(r.title, r.format, toJson(r.runIds ?? []), r.path ?? null, r.content ?? null, nowIso()).lastInsertRowid,
    );
    return this.get(id)!;
  }

  get(id: number): Report | undefined {
    const row = this.getStmt.get(id);
    return row && toReport(row);
  }

  list(): Report[] {
    return this.listStmt.all().map(toReport);
  }
}
