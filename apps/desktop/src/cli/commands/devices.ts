import { createRuntime, probeDevices } from "@goodhart/engine";
import type { CliCommand } from "../command.ts";

export const devicesCommand: CliCommand = {
  name: ["devices"],
  summary: "List the ONNX Runtime execution providers that work on this machine",
  usage:
    "goodhart devices [--json]\n\nCreates a tiny session on cpu, webgpu, cuda, dml and coreml and reports which work,\nthen the device a runtime with device 'auto' settles on.",
  async run(args, io) {
    const probes = await probeDevices();
    if (args.includes("--json")) {
      io.out(JSON.stringify(probes, null, 2));
    } else {
      for (const p of probes) io.out(p.ok ? `${p.device}: ok (${p.ms.toFixed(0)} ms)` : `${p.device}: unavailable - ${p.reason}`);
      // The same probe-and-fallback path training uses, so this line is what a run would get.
      const runtime = await createRuntime({ device: "auto", log: () => undefined });
      io.out(`auto: ${runtime.device}`);
      await runtime.release();
    }
    return probes.some((p) => p.ok) ? 0 : 1;
  },
};
