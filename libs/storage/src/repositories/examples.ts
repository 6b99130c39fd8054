import type Database from "better-sqlite3";
import type { ChatMessage, Example, ExampleKind, JsonObject, NewExample } from "../dto.ts";
import { fromJson, toJson } from "../json.ts";

export interface ExampleRow {
  id: number;
  dataset_id: number;
  row_index: number;
  kind: ExampleKind;
  prompt: string;
  prompt_messages: string | null;
  response_a: string | null;
  response_b: string | null;
  responses: string | null;
  category: string | null;
  metadata: string | null;
}

function toExample(r: ExampleRow): Example {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    rowIndex: r.row_index,
    kind: r.kind,
    prompt: r.prompt,
    promptMessages: fromJson<ChatMessage[]>(r.prompt_messages),
    responseA: r.response_a,
    responseB: r.response_b,
    responses: fromJson<string[]>(r.responses),
    category: r.category,
    metadata: fromJson<JsonObject>(r.metadata),
  };
}

/** The example columns in insert order, shared with the importer's staging table. */
export function exampleValues(e: NewExample): unknown[] {
  return [
    e.rowIndex,
    e.kind,
    e.prompt,
    toJson(e.promptMessages),
    e.responseA,
    e.responseB,
    toJson(e.responses),
    e.category,
    toJson(e.metadata),
  ];
}

export class ExampleRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly categoriesStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO examples (dataset_id, row_index, kind, prompt, prompt_messages, response_a, response_b, responses, category, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare<[number], ExampleRow>("SELECT * FROM examples WHERE id = ?");
    this.pageStmt = db.prepare<[number, number, number], ExampleRow>(
      "SELECT * FROM examples WHERE dataset_id = ? AND row_index > ? ORDER BY row_index LIMIT ?",
    );
    this.countStmt = db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM examples WHERE dataset_id = ?");
    this.categoriesStmt = db.prepare<[number], { category: string | null; count: number }>(
      "SELECT category, count(*) AS count FROM examples WHERE dataset_id = ? GROUP BY category ORDER BY count DESC, category",
    );
  }

  /** Inserts examples in one transaction; returns their ids in order. */
  insertMany(datasetId: number, examples: readonly NewExample[]): number[] {
    return this.db.transaction(() => examples.map((e) => Number(this.insertStmt.run(datasetId, ...exampleValues(e)).lastInsertRowid)))();
  }

  get(id: number): Example | undefined {
    const row = this.getStmt.get(id);
    return row && toExample(row);
  }

  /** Examples of a dataset in source order, `limit` at a time after `afterRow` (keyset paging). */
  list(datasetId: number, options: { afterRow?: number; limit?: number } = {}): Example[] {
    return this.pageStmt.all(datasetId, options.afterRow ?? 0, options.limit ?? 100).map(toExample);
  }

  count(datasetId: number): number {
    return this.countStmt.get(datasetId)!.n;
  }

  categories(datasetId: number): { category: string | null; count: number }[] {
    return this.categoriesStmt.all(datasetId);
  }
}
