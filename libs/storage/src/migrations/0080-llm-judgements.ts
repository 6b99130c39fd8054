import type { Migration } from "./migration.ts";

/**
 * The LLM judge's answers, one row per question asked: the comparison (a hash of its prompt and two
 * responses), the template (its name and a hash of its wording), the model and the order the two
 * responses were shown in (`ab` or `ba`). A labeling run writes each answer before asking the next,
 * so a killed run resumes without asking again. Malformed answers are kept too (verdict NULL): the
 * model gave them. No API key or endpoint credential is ever stored here.
 */
export const migration0080: Migration = {
  version: 80,
  name: "llm-judgements",
  up(db) {
    db.exec(`
      CREATE TABLE llm_judgements (
        pair_key TEXT NOT NULL CHECK (length(pair_key) > 0),
        template TEXT NOT NULL CHECK (length(template) > 0),
        model TEXT NOT NULL CHECK (length(model) > 0),
        ask_order TEXT NOT NULL CHECK (ask_order IN ('ab', 'ba')),
        answer TEXT NOT NULL,
        verdict INTEGER CHECK (verdict IS NULL OR verdict IN (0, 1, 2)),
        created_at TEXT NOT NULL,
        PRIMARY KEY (pair_key, template, model, ask_order)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
