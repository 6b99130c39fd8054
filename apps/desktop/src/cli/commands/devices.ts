import { probeDevices } from "@goodhart/engine";
import type { CliCommand } from "../command.ts";

export const devicesCommand: CliCommand = {
  name: ["devices"],
  summary: "List the ONNX Runtime execution providers that work on this machine",
  usage: "goodhart devices [--json]\n\nCreates a tiny session on cpu, webgpu, cuda, dml and coreml and reports which work.",
  async run(args, io) {
    const probes = await probeDevices();
    if (args.includes("--json")) {
      io.out(JSON.stringify(probes, null, 2));
    } else {
      for (const p of probes) io.out(p.ok ? `${p.device}: ok (${p.ms.toFixed(0)} ms)` : `${p.device}: unavailable - ${p.reason}`);
    }
    return probes.some((p) => p.ok) ? 0 : 1;
  },
};
