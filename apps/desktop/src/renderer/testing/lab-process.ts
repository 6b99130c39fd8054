/**
 * A lab in its own Node process for component tests and the desktop benchmark: the real service
 * on the given SQLite file behind the real browser-mode server, serving the built renderer when a
 * folder is given. Usage: `lab-process.ts <db file> [static dir]`. Prints `{"url","token"}` once
 * listening; stops on SIGTERM.
 * (The tests' DOM environment cannot host the service itself: its run workers need file URLs.)
 */
/* eslint-disable no-restricted-imports -- test helper: a Node process, never bundled */
import { join } from "node:path";
/* eslint-enable no-restricted-imports */
import { startLabServer } from "../../server/lab-server.ts";
import { openLabRuntime } from "../../service/runtime.ts";

const dbFile = process.argv[2];
if (!dbFile) throw new Error("usage: lab-process.ts <db file>");
const runtime = openLabRuntime({ dbFile });
const server = await startLabServer({
  api: runtime.service,
  subscribe: runtime.service.subscribe,
  uploadDir: join(runtime.dataDir, "uploads"),
  staticDir: process.argv[3] ?? null,
});
process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => runtime.close()).then(() => process.exit(0));
});
