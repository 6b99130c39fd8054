/**
 * Browser mode's device probe: the engine's probeDevices, run in a short-lived child process. The
 * probes load native providers that write warnings straight to the process's stderr (file
 * descriptor 2, out of JavaScript's reach); in a child, that stderr is a pipe and the noise is
 * dropped (quiet-output.ts). What remains, and any failure, is reported.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { forwardWithoutNoise } from "./quiet-output.ts";

export interface DeviceProbe {
  device: string;
  ok: boolean;
  reason?: string;
  ms: number;
}

const childEntry = fileURLToPath(new URL("./probe-devices-child.ts", import.meta.url));
const appDir = fileURLToPath(new URL("../..", import.meta.url));

export function probeDevicesQuietly(writeStderr: (text: string) => void = (t) => void process.stderr.write(t)): Promise<DeviceProbe[]> {
  return new Promise((resolve, reject) => {
    // cwd inside the repository, so `--import tsx` resolves from its node_modules.
    const child = spawn(process.execPath, ["--import", "tsx", childEntry], { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const errors: string[] = [];
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    forwardWithoutNoise(child.stderr, (text) => {
      errors.push(text);
      writeStderr(text);
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(line) as DeviceProbe[]);
      } catch (err) {
        reject(
          new Error(
            `The device probe failed (${err instanceof Error ? err.message : String(err)})${errors.length ? `: ${errors.join("").trim().slice(-500)}` : ""}`,
          ),
        );
      }
    });
  });
}
