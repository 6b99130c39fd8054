import { describe, expect, it } from "vitest";
import type { RuntimeDevice } from "../src/index.ts";
import { createRuntime, hostTensor, input } from "../src/index.ts";

describe("createRuntime", () => {
  it("runs on cpu when asked", async () => {
    const rt = await createRuntime({ device: "cpu", threads: 1 });
    expect(rt.device).toBe("cpu");
    expect(rt.fallbackReason).toBeUndefined();
    const x = input("x", "float32", [2]);
    const s = await rt.session({ outputs: { y: x.mul(2) } });
    expect(s.device).toBe("cpu");
    const out = await s.run({ x: hostTensor(Float32Array.of(1, 2), [2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 4]);
    expect(s.stats.runs).toBe(1);
    expect(s.stats.ortMs).toBeGreaterThan(0);
    await rt.release();
  });

  it("falls back to cpu with a logged reason when the requested provider does not work here", async () => {
    // coreml exists only on macOS builds of onnxruntime-node, so this machine cannot have it.
    const device: RuntimeDevice = process.platform === "darwin" ? "dml" : "coreml";
    const logs: string[] = [];
    const rt = await createRuntime({ device, log: (m) => logs.push(m) });
    expect(rt.requested).toBe(device);
    expect(rt.device).toBe("cpu");
    expect(rt.fallbackReason).toMatch(new RegExp(`^${device}: `));
    expect(logs.join("\n")).toMatch(new RegExp(`device ${device} unavailable .*running on cpu`));
    await rt.release();
  });

  it("settles 'auto' on a working device", async () => {
    const rt = await createRuntime({ device: "auto", log: () => undefined });
    expect(["cpu", "cuda", "dml", "coreml", "webgpu"]).toContain(rt.device);
    await rt.release();
  });

  it("counts its open sessions: one per program, reused, and gone once released", async () => {
    const rt = await createRuntime({ device: "cpu", threads: 1, cpuMemArena: false });
    expect(rt.cpuMemArena).toBe(false);
    const x = input("x", "float32", [2]);
    const a = await rt.session({ outputs: { y: x.mul(2) } });
    await rt.session({ outputs: { y: x.mul(2) } }); // the same program: the cached session
    await rt.session({ outputs: { y: x.add(1) } });
    expect(rt.openSessions).toBe(2);
    await a.release();
    expect(rt.openSessions).toBe(1);
    await rt.release();
    expect(rt.openSessions).toBe(0);
  });

  it("rejects an unknown device name", async () => {
    await expect(createRuntime({ device: "tpu" as RuntimeDevice })).rejects.toThrow(/unknown device "tpu"/);
  });
});

describe("cpuMemArena", () => {
  it("off gives the same bytes as on (it only changes when ORT frees intermediates)", async () => {
    const x = input("x", "float32", [64, 64]);
    const program = { outputs: { y: x.matmul(x).tanh().sum() }, name: "arena" };
    const data = hostTensor(
      Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i)),
      [64, 64],
    );
    const values: number[] = [];
    for (const cpuMemArena of [true, false]) {
      const r = await createRuntime({ device: "cpu", threads: 2, cpuMemArena });
      values.push(Number((await (await r.session(program)).run({ x: data })).y!.data[0]));
      await r.release();
    }
    expect(values[1]).toBe(values[0]);
    expect(Number.isFinite(values[0])).toBe(true);
  });
});
