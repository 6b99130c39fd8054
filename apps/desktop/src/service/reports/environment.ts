/** What a report records about where its numbers came from: versions, commit, machine. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

export interface ReportEnvironment {
  app: string;
  commit: string | null;
  node: string;
  electron: string | null;
  onnxruntime: string | null;
  platform: string;
  cpu: string;
  cpus: number;
  memoryGiB: number;
}

function packageVersion(name: string): string | null {
  try {
    // Only the package.json is read: the native module itself stays confined to libs/engine.
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  if (process.env.GOODHART_COMMIT) return process.env.GOODHART_COMMIT;
  try {
    return (
      execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
        cwd: new URL(".", import.meta.url),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 2000,
      }).trim() || null
    );
  } catch {
    return null;
  }
}

/** Describes this process and machine. */
export function collectEnvironment(): ReportEnvironment {
  const appPkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return {
    app: `Goodhart Lab ${appPkg.version}`,
    commit: gitCommit(),
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    onnxruntime: packageVersion("onnxruntime-node"),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
