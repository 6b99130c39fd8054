import { describe, expect, it } from "vitest";
import { ConfigError, validate } from "../../config/validate.ts";
import { DMOERM_DATASET_REFUSAL, dmoermSchema } from "./schema.ts";

describe("dmoerm schema", () => {
  it("refuses task.kind dataset, saying why, at task.kind", () => {
    let error: unknown;
    try {
      validate(dmoermSchema(), { task: { kind: "dataset", dataset: { datasetId: 1 } } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toEqual([{ path: "task.kind", message: DMOERM_DATASET_REFUSAL }]);
    expect(DMOERM_DATASET_REFUSAL).toMatch(/per-capability preference labels/);
    expect(DMOERM_DATASET_REFUSAL).toMatch(/categories/);
  });

  it("still accepts the built-in task", () => {
    expect(validate(dmoermSchema(), {}).task.seed).toBe(0);
  });
});
