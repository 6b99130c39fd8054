import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migration0080 } from "./0080-llm-judgements.ts";

describe("migration 0080 llm judgements", () => {
  it("keys answers by (pair, template, model, order) and checks order and verdict", () => {
    const db = new Database(":memory:");
    migration0080.up(db);
    const insert = db.prepare("INSERT INTO llm_judgements VALUES (?, ?, ?, ?, ?, ?, 't')");
    insert.run("p", "overall-v1#x", "m", "ab", "1", 1);
    insert.run("p", "overall-v1#x", "m", "ba", "garbage", null);
    expect(() => insert.run("p", "overall-v1#x", "m", "ab", "2", 2)).toThrow(/UNIQUE constraint failed/);
    expect(() => insert.run("p", "overall-v1#x", "m", "ba ", "2", 2)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run("q", "overall-v1#x", "m", "ab", "3", 3)).toThrow(/CHECK constraint failed/);
    expect(db.prepare("SELECT count(*) AS n FROM llm_judgements").get()).toEqual({ n: 2 });
  });
});
