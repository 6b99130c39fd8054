/**
 * Browser mode (`npm start` without the Electron binary): the lab service behind the localhost
 * server, serving the built renderer. Prints the launch URL (it carries the per-launch token once)
 * and runs until Ctrl+C / SIGTERM, when running experiments are stopped and left `interrupted`,
 * resumable from their last checkpoint.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLabServer } from "../server/lab-server.ts";
import { openLabRuntime } from "../service/runtime.ts";
import { probeDevicesQuietly } from "./quiet-device-probe.ts";

export interface BrowserModeOptions {
  dbFile?: string;
  port?: number;
  /** Resolves when the process should stop; default: SIGINT or SIGTERM. */
  until?: Promise<unknown>;
  log?: (line: string) => void;
  /** Build the renderer first when it is missing or stale (default true). */
  buildRenderer?: boolean;
}

/** The built renderer folder, or null when the UI is not built. */
export function rendererDir(): string | null {
  const dir = fileURLToPath(new URL("../../dist/renderer", import.meta.url));
  return existsSync(join(dir, "index.html")) ? dir : null;
}

/** Newest modification time (ms) of the files under a folder. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds the renderer (vite) when dist/renderer is missing or older than its sources, so
 * `npm start` always serves the current UI. Returns false when the build failed.
 */
export function ensureRendererBuilt(log: (line: string) => void): boolean {
  const appDir = fileURLToPath(new URL("../..", import.meta.url));
  const sources = [join(appDir, "src/renderer"), join(appDir, "src/shared")].filter((d) => existsSync(d));
  if (!existsSync(join(appDir, "src/renderer/index.html"))) return true;
  const built = join(appDir, "dist/renderer/index.html");
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt > Math.max(...sources.map(newestMtime), statSync(join(appDir, "vite.config.ts")).mtimeMs)) return true;
  log(builtAt ? "The UI sources changed since the last build: rebuilding the renderer…" : "Building the renderer (first start)…");
  let viteBin: string;
  try {
    viteBin = join(dirname(createRequire(join(appDir, "package.json")).resolve("vite/package.json")), "bin/vite.js");
  } catch {
    log("vite is not installed (npm install): the UI cannot be built.");
    return false;
  }
  // Errors only: build timings and bundle-size advice are for the UI's developers, not the user.
  const result = spawnSync(process.execPath, [viteBin, "build", "--config", "vite.config.ts", "--logLevel", "error"], {
    cwd: appDir,
    stdio: "inherit",
  });
  return result.status === 0;
}

/** Exit codes of a stop by signal (128 + the signal's number), as shells report them. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Resolves on the first SIGINT / SIGTERM. The handlers stay installed until the process ends: a
 * second Ctrl-C while the runs stop must not fall back to Node's immediate exit, which would kill
 * workers inside ONNX Runtime calls and leave the lock behind.
 */
function signalled(): Promise<keyof typeof SIGNAL_EXIT> {
  return new Promise((resolve) => {
    process.on("SIGINT", () => resolve("SIGINT"));
    process.on("SIGTERM", () => resolve("SIGTERM"));
  });
}

export async function startBrowserMode(options: BrowserModeOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const envPort = process.env.GOODHART_PORT ? Number(process.env.GOODHART_PORT) : undefined;
  // Development only: the renderer's Vite dev server may call the API from its own origin.
  const devOrigins = (process.env.GOODHART_DEV_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  // Devices are probed in a child process whose native warnings (Dawn's missing Vulkan) are filtered.
  // Listening from the start: a Ctrl-C during start-up stops cleanly too.
  const stop = options.until ?? signalled();
  const runtime = openLabRuntime({
    dbFile: options.dbFile,
    service: { probeDevices: () => probeDevicesQuietly(), holder: "Goodhart Lab in browser mode" },
  });
  if (options.buildRenderer !== false) ensureRendererBuilt(log);
  const staticDir = rendererDir();
  const server = await startLabServer({
    api: runtime.service,
    subscribe: runtime.service.subscribe,
    port: options.port ?? envPort ?? 0,
    staticDir,
    uploadDir: join(runtime.dataDir, "uploads"),
    devOrigins,
  });
  // Other front doors (the goodhart CLI) find this lab through lab.json beside the runner lock and submit to it.
  runtime.service.publishEndpoint({ url: server.url, token: server.token });
  log(`Goodhart Lab is running in browser mode (database: ${runtime.dbFile}).`);
  const conflict = runtime.service.runnerConflict();
  if (conflict) log(`Runs are read-only for now: ${conflict}`);
  if (runtime.service.interruptedAtStart.length > 0) {
    log(
      `Runs ${runtime.service.interruptedAtStart.join(", ")} were cut off by the last exit and are marked interrupted; resume them from the Runs screen.`,
    );
  }
  if (!staticDir) log("The UI is not built (apps/desktop/dist/renderer is missing): the page shows a placeholder; the API works.");
  log(`Open this URL in your browser (it carries this launch's access token; do not share it):`);
  log(`  ${server.launchUrl}`);
  log("Press Ctrl+C to stop.");
  const reason = await stop;
  const bySignal = reason === "SIGINT" || reason === "SIGTERM";
  // Ctrl-C / SIGTERM: the runs stop after their current step and are stored cancelled; the
  // workers release their ONNX Runtime sessions before the process ends; the lock goes last.
  log(
    `Stopping (${String(reason)}): running experiments stop after their current step and are stored ${bySignal ? "cancelled" : "interrupted"}; resume them later from the Runs screen.`,
  );
  await runtime.service.close({ runs: bySignal ? "cancel" : "interrupt" });
  await server.close();
  await runtime.close();
  return bySignal ? SIGNAL_EXIT[reason] : 0;
}
