/**
 * Entry of the service host process. Under Electron's utilityProcess it talks over
 * `process.parentPort`; under Node's child_process.fork over the IPC channel. Arguments:
 * `<db file> [data dir] [secrets file]` (empty strings for defaults).
 */
import { readFileSync } from "node:fs";
import { handedOverSecretStore } from "../secret-store.ts";
import type { FromHost, MessageEnd, ToHost } from "./protocol.ts";
import { runServiceHost } from "./service-host.ts";

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: "message", listener: (e: { data: unknown }) => void): void;
}

function parentEnd(): MessageEnd<FromHost, ToHost> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return { post: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on("message", (e) => l(e.data as ToHost)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return { post: (m) => void send(m), onMessage: (l) => process.on("message", (m) => l(m as ToHost)) };
  }
  throw new Error("the service host must be started by a parent process with a message channel");
}

const [dbFile, dataDir, secretsFile] = process.argv.slice(2);
await runServiceHost(parentEnd(), {
  dbFile: dbFile || undefined,
  dataDir: dataDir || undefined,
  service: {
    // How another front door names this process (the CLI submits to it through lab.json: main/submission-endpoint.ts).
    holder: "the Goodhart Lab desktop app",
    ...(secretsFile ? { secrets: handedOverSecretStore(secretsFile, (f) => readFileSync(f, "utf8")) } : {}),
  },
});
process.exit(0);
