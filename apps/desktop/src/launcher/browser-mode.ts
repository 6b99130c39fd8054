/**
 * Browser mode (`npm start` without the Electron binary): the lab service behind the localhost
 * server, serving the built renderer. Prints the launch URL (it carries the per-launch token once)
 * and runs until Ctrl+C / SIGTERM, when running experiments are stopped and left `interrupted`,
 * resumable from their last checkpoint.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLabServer } from "../server/lab-server.ts";
import { openLabRuntime } from "../service/runtime.ts";

export interface BrowserModeOptions {
  dbFile?: string;
  port?: number;
  /** Resolves when the process should stop; default: SIGINT or SIGTERM. */
  until?: Promise<unknown>;
  log?: (line: string) => void;
}

/** The built renderer folder, or null when the UI is not built. */
export function rendererDir(): string | null {
  const dir = fileURLToPath(new URL("../../dist/renderer", import.meta.url));
  return existsSync(join(dir, "index.html")) ? dir : null;
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

export async function startBrowserMode(options: BrowserModeOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const envPort = process.env.GOODHART_PORT ? Number(process.env.GOODHART_PORT) : undefined;
  const runtime = openLabRuntime({ dbFile: options.dbFile });
  const staticDir = rendererDir();
  const server = await startLabServer({
    api: runtime.service,
    subscribe: runtime.service.subscribe,
    port: options.port ?? envPort ?? 0,
    staticDir,
    uploadDir: join(runtime.dataDir, "uploads"),
  });
  log(`Goodhart Lab is running in browser mode (database: ${runtime.dbFile}).`);
  if (runtime.service.interruptedAtStart.length > 0) {
    log(`Runs ${runtime.service.interruptedAtStart.join(", ")} were cut off by the last exit and are marked interrupted; resume them from the Runs screen.`);
  }
  if (!staticDir) log("The UI is not built (apps/desktop/dist/renderer is missing): the page shows a placeholder; the API works.");
  log(`Open this URL in your browser (it carries this launch's access token; do not share it):`);
  log(`  ${server.launchUrl}`);
  log("Press Ctrl+C to stop.");
  const reason = await (options.until ?? signalled());
  log(`Stopping (${String(reason)}): running experiments are left interrupted and can be resumed.`);
  await server.close();
  await runtime.close();
  return 0;
}
