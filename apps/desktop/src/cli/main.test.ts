import { describe, expect, it } from "vitest";
import { captureIo } from "./testing/capture-io.ts";
import { cliVersion, main } from "./main.ts";

describe("goodhart CLI", () => {
  it("prints help listing the commands", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.stdout).toMatch(/Usage: goodhart <command>/);
    expect(io.stdout).toMatch(/devices/);
  });

  it("prints the package version", async () => {
    const io = captureIo();
    expect(await main(["--version"], io)).toBe(0);
    expect(io.stdout.trim()).toBe(cliVersion());
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("rejects an unknown command with exit code 2", async () => {
    const io = captureIo();
    expect(await main(["frobnicate"], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("devices reports cpu as working, and every other provider with a reason", async () => {
    const io = captureIo();
    expect(await main(["devices", "--json"], io)).toBe(0);
    const probes = JSON.parse(io.stdout) as { device: string; ok: boolean; reason?: string }[];
    expect(probes.map((p) => p.device)).toEqual(["cpu", "webgpu", "cuda", "dml", "coreml"]);
    expect(probes[0]!.ok).toBe(true);
    for (const p of probes.filter((q) => !q.ok)) expect(p.reason).toBeTruthy();
  });
});
