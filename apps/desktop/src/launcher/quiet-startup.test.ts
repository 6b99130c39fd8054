/**
 * Startup says one line per fact: native probe warnings are filtered (Dawn's "Couldn't load Vulkan",
 * seen verbatim on a machine without libvulkan), the device probe still answers, and a failed start
 * is one line without a stack trace.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findElectronBinary } from "./electron-binary.ts";
import { probeDevicesQuietly } from "./quiet-device-probe.ts";
import { forwardWithoutNoise, isNoise } from "./quiet-output.ts";

describe("startup noise filter", () => {
  it("drops Dawn's Vulkan warning with its C++ frame and Chromium's GPU chatter, and keeps everything else", () => {
    for (const line of [
      "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
      "    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)",
      "[12345:1201/140000.123456:ERROR:gpu_init.cc(523)] Passthrough is not supported, GL is disabled, ANGLE is",
      "[12345:1201/140000.123456:WARNING:vulkan_instance.cc(83)] Vulkan: loader not found",
      "[12345:1201/140000.123456:ERROR:bus.cc(407)] Failed to connect to the bus: Could not parse server address",
      "WARNING: [Loader Message] Code 0 : vkCreateInstance: Found no drivers!",
    ]) {
      expect(isNoise(line), line).toBe(true);
    }
    for (const line of [
      "Goodhart Lab is running in browser mode (database: /home/u/lab.sqlite).",
      "Error: Cannot find module '/app/src/main/main.ts'",
      "    at async startElectronApp (/app/src/main/main.ts:130:5)",
      "[12345:1201/140000.123456:FATAL:electron_main_delegate.cc(300)] Running as root without --no-sandbox is not supported.",
      "Warning: something the lab itself said",
    ]) {
      expect(isNoise(line), line).toBe(false);
    }
  });

  it("forwards a stream line by line, across chunk boundaries, without the noise", async () => {
    const stream = new PassThrough();
    let out = "";
    forwardWithoutNoise(stream, (t) => (out += t));
    stream.write("first line\nWarning: Couldn't load Vu");
    stream.write("lkan: libvulkan.so.1: missing\n    at operator() (/b/dawn/native/vulkan/BackendVk.cpp:368)\nlast");
    stream.end();
    await new Promise((r) => setImmediate(r));
    expect(out).toBe("first line\nlast");
  });
});

describe("device probe in a child process", () => {
  it("answers the real probes and lets no Vulkan warning through", async () => {
    let stderr = "";
    const probes = await probeDevicesQuietly((t) => (stderr += t));
    expect(probes.find((p) => p.device === "cpu")).toMatchObject({ ok: true });
    expect(probes.map((p) => p.device)).toContain("webgpu");
    expect(stderr).not.toMatch(/vulkan|dawn/i);
  }, 60_000);
});

describe("a failed start", () => {
  const electron = findElectronBinary();
  // With Electron installed `npm start` opens the desktop app instead; this checks browser mode.
  it.skipIf(electron.found)(
    "is one line saying why, without a stack trace, and exits with 1",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "goodhart-badstart-"));
      // The database would live under a regular file: the lab cannot create its folder.
      writeFileSync(join(dir, "not-a-folder"), "");
      const start = fileURLToPath(new URL("../../bin/start.mjs", import.meta.url));
      const result = spawnSync(process.execPath, [start], {
        env: { ...process.env, GOODHART_DB: join(dir, "not-a-folder", "lab.sqlite"), GOODHART_DEBUG: "" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      const errLines = result.stderr.split("\n").filter((l) => l.trim() && !l.startsWith("npm warn"));
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(/^Goodhart Lab could not start: .*not-a-folder/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
    90_000,
  );
});
