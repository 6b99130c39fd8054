/**
 * A lab in its own Node process for component tests and the desktop benchmark: the real service
 * on the given SQLite file behind the real browser-mode server, serving the built renderer when a
 * folder is given. Usage: `lab-process.ts <db file> [static dir] [--toy-kind]`; `--toy-kind`
 * registers the test-only toy experiment kind (service/testing/toy-kind) through the registry's
 * constructor option. Prints `{"url","token"}` once listening; stops on SIGTERM.
 * (The tests' DOM environment cannot host the service itself: its run workers need file URLs.)
 */
/* eslint-disable no-restricted-imports -- test helper: a Node process, never bundled */
import { join } from "node:path";
/* eslint-enable no-restricted-imports */
import { startLabServer } from "../../server/lab-server.ts";
import { ExperimentRegistry } from "../../service/experiments/registry.ts";
import { openLabRuntime } from "../../service/runtime.ts";
import { toyKind } from "../../service/testing/toy-kind/kind.ts";

const args = process.argv.slice(2);
const [dbFile, staticDir] = args.filter((a) => a !== "--toy-kind");
if (!dbFile) throw new Error("usage: lab-process.ts <db file> [static dir] [--toy-kind]");
const registry = args.includes("--toy-kind") ? new ExperimentRegistry({ kinds: [toyKind] }) : undefined;
const runtime = openLabRuntime({ dbFile, ...(registry ? { service: { registry } } : {}) });
const server = await startLabServer({
  api: runtime.service,
  subscribe: runtime.service.subscribe,
  uploadDir: join(runtime.dataDir, "uploads"),
  staticDir: staticDir ?? null,
});
process.stdout.write(`${JSON.stringify({ url: server.url, token: server.token })}\n`);
process.once("SIGTERM", () => {
  void server
    .close()
    .then(() => runtime.close())
    .then(() => process.exit(0));
});
