import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@goodhart/storage";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { modelInitChoices } from "../../service/models.ts";
import { fixturePath } from "../../../../../fixtures/index.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-cli-models-"));
const db = path.join(dir, "lab.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("goodhart models", () => {
  it("imports GPT-2 and Llama folders with architecture, size and tokenizer, once each", async () => {
    const io = captureIo();
    expect(await main(["models", "import", fixturePath("models/tiny-gpt2"), "--db", db], io)).toBe(0);
    expect(io.stdout).toMatch(/Model 1 "tiny-gpt2"/);
    expect(io.stdout).toMatch(/architecture +gpt2: [\d.]+M parameters, \d+ layers/);
    expect(io.stdout).toMatch(/tokenizer +tokenizer\.json/);
    expect(await main(["models", "import", fixturePath("models/tiny-llama"), "--db", db, "--name", "llama tiny"], captureIo())).toBe(0);
    const again = captureIo();
    expect(await main(["models", "import", fixturePath("models/tiny-gpt2"), "--db", db, "--json"], again)).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: false, model: { id: 1, architecture: "gpt2" } });
    const list = captureIo();
    expect(await main(["models", "list", "--db", db, "--json"], list)).toBe(0);
    const models = JSON.parse(list.stdout) as { name: string; architecture: string; parameters: number; fingerprint: string }[];
    expect(models.map((m) => [m.name, m.architecture])).toEqual([
      ["tiny-gpt2", "gpt2"],
      ["llama tiny", "llama"],
    ]);
    expect(models[0]!.parameters).toBeGreaterThan(0);
    expect(models[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const store = openDatabase(db);
    try {
      expect(modelInitChoices(store).map((c) => c.value)).toEqual(["builtin", "model:1", "model:2"]);
    } finally {
      store.close();
    }
  });

  it("refuses a folder the engine cannot run, naming the file, and records nothing", async () => {
    const bad = path.join(dir, "bad");
    cpSync(fixturePath("models/tiny-gpt2"), bad, { recursive: true });
    writeFileSync(path.join(bad, "config.json"), JSON.stringify({ model_type: "bert" }));
    const io = captureIo();
    expect(await main(["models", "import", bad, "--db", db], io)).not.toBe(0);
    expect(io.stderr).toMatch(/config\.json/);
    const empty = path.join(dir, "empty");
    cpSync(fixturePath("models/tiny-gpt2/config.json"), path.join(empty, "config.json"));
    const io2 = captureIo();
    expect(await main(["models", "import", empty, "--db", db], io2)).not.toBe(0);
    expect(io2.stderr).toMatch(/no model\.safetensors or model\.safetensors\.index\.json/);
    const list = captureIo();
    await main(["models", "list", "--db", db, "--json"], list);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
  });
});
