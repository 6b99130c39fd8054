import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0010 } from "./0010-datasets.ts";

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe("migration 0010 datasets", () => {
  it("creates STRICT dataset, example, label and label-set tables with cascading deletes", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    migration0010.up(db);
    expect(tables(db)).toEqual(["datasets", "examples", "label_set_members", "label_sets", "labels"]);
    const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all() as {
      strict: number;
    }[];
    expect(strict.every((t) => t.strict === 1)).toBe(true);

    db.prepare("INSERT INTO datasets (name, source_path, content_hash, format, imported_at) VALUES ('d', '/x', 'h', 'hh-rlhf', 't')").run();
    db.prepare(
      "INSERT INTO examples (dataset_id, row_index, kind, prompt, response_a, response_b) VALUES (1, 1, 'pair', 'p', 'a', 'b')",
    ).run();
    db.prepare("INSERT INTO labels (example_id, preferred, source, created_at) VALUES (1, 'a', 'human', 't')").run();
    // STRICT rejects a text row index; CHECK rejects an unknown source; FK rejects a missing example.
    expect(() => db.prepare("INSERT INTO examples (dataset_id, row_index, kind, prompt) VALUES (1, 'two', 'pair', 'p')").run()).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
    expect(() => db.prepare("INSERT INTO labels (example_id, preferred, source, created_at) VALUES (1, 'a', 'crowd', 't')").run()).toThrow(
      /CHECK/,
    );
    expect(() => db.prepare("INSERT INTO labels (example_id, preferred, source, created_at) VALUES (99, 'a', 'human', 't')").run()).toThrow(
      /FOREIGN KEY/,
    );
    db.prepare("DELETE FROM datasets WHERE id = 1").run();
    expect(db.prepare("SELECT count(*) AS n FROM labels").get()).toEqual({ n: 0 });
  });
});
