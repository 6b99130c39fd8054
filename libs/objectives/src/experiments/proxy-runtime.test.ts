import { describe, expect, it } from "vitest";
import { createRuntime } from "@goodhart/engine";
import { SINGLE_THREAD_MAX_PARAMS, proxyRuntimes } from "./proxy-runtime.ts";

describe("proxyRuntimes", () => {
  it("gives tiny proxies one shared one-thread CPU runtime and larger ones the study's runtime", async () => {
    const study = await createRuntime({ device: "cpu", threads: 2 });
    const chooser = proxyRuntimes(study);
    const small = await chooser.forParams(SINGLE_THREAD_MAX_PARAMS);
    expect(small).not.toBe(study);
    expect(small.threads).toBe(1);
    expect(small.device).toBe("cpu");
    expect(await chooser.forParams(10)).toBe(small);
    expect(await chooser.forParams(SINGLE_THREAD_MAX_PARAMS + 1)).toBe(study);
    expect([chooser.singleThreaded(10), chooser.singleThreaded(SINGLE_THREAD_MAX_PARAMS + 1)]).toEqual([true, false]);
    await chooser.release();
    await study.release();
  });
  it("keeps a runtime that already has one thread", async () => {
    const study = await createRuntime({ device: "cpu", threads: 1 });
    expect(await proxyRuntimes(study).forParams(10)).toBe(study);
    expect(proxyRuntimes(study).singleThreaded(10)).toBe(false);
    await study.release();
  });
});
