import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openLabRuntime } from "../../service/runtime.ts";
import { waitForStatus } from "../../service/testing/wait-for.ts";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";

describe("goodhart report", () => {
  it("writes a self-contained HTML report and the curves of finished runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-report-"));
    const dbFile = join(dir, "lab.sqlite");
    const runtime = openLabRuntime({ dbFile });
    const e = await runtime.service.experiments.create({ name: "counter", kind: "diagnostic.counter", config: { steps: 8, stepMs: 1 } });
    const run = await runtime.service.runs.start({ experimentId: e.id, seed: 4 });
    await waitForStatus(runtime.service, run.id, ["done"]);
    await runtime.close();

    const io = captureIo();
    const out = join(dir, "report.html");
    const csv = join(dir, "curves.csv");
    expect(await main(["report", String(run.id), "--out", out, "--curves-csv", csv, "--title", "Counter report", "--db", dbFile], io)).toBe(
      0,
    );
    expect(io.stdout).toMatch(/written to .*report\.html/);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<title>Counter report</title>");
    expect(html).toMatch(/<svg/);
    expect(html).toContain("diagnostic.counter");
    expect(readFileSync(csv, "utf8").trim().split("\r\n").length).toBe(9);
  });

  it("explains bad usage and unknown runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-report-"));
    const dbFile = join(dir, "lab.sqlite");
    let io = captureIo();
    expect(await main(["report", "1", "--db", dbFile], io)).toBe(2);
    expect(io.stderr).toMatch(/--out report\.html/);
    io = captureIo();
    expect(await main(["report", "x", "--out", join(dir, "r.html"), "--db", dbFile], io)).toBe(2);
    io = captureIo();
    expect(await main(["report", "7", "--out", join(dir, "r.html"), "--db", dbFile], io)).toBe(1);
    expect(io.stderr).toMatch(/Run 7 does not exist/);
  });
});
