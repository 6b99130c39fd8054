import type Database from "better-sqlite3";
import { nowIso } from "../json.ts";

/** Which question an answer belongs to (see migration 0080). */
export interface LlmJudgementKey {
  pair: string;
  template: string;
  model: string;
  order: "ab" | "ba";
}

/** The answer as the model gave it and the verdict read from it (null when malformed). */
export interface LlmJudgement {
  answer: string;
  verdict: 0 | 1 | 2 | null;
}

/** The LLM judge's answer cache; shaped like libs/objectives' JudgeCache so it can be passed as one. */
export class LlmJudgementRepository {
  private readonly getStmt;
  private readonly putStmt;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare<[string, string, string, string], { answer: string; verdict: number | null }>(
      "SELECT answer, verdict FROM llm_judgements WHERE pair_key = ? AND template = ? AND model = ? AND ask_order = ?",
    );
    this.putStmt = db.prepare(
      `INSERT INTO llm_judgements (pair_key, template, model, ask_order, answer, verdict, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (pair_key, template, model, ask_order) DO UPDATE SET answer = excluded.answer, verdict = excluded.verdict, created_at = excluded.created_at`,
    );
  }

  get(key: LlmJudgementKey): LlmJudgement | undefined {
    const row = this.getStmt.get(key.pair, key.template, key.model, key.order);
    return row && { answer: row.answer, verdict: row.verdict as LlmJudgement["verdict"] };
  }

  /** Stores (or replaces) one answer; autocommitted, so it survives the process being killed right after. */
  put(key: LlmJudgementKey, value: LlmJudgement): void {
    this.putStmt.run(key.pair, key.template, key.model, key.order, value.answer, value.verdict, nowIso());
  }
}
