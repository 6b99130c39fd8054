/**
 * Runs the lab service (database, run queue, worker threads) in an Electron utility process, so the
 * main process only routes IPC: a long SQLite transaction or a burst of metrics can never freeze
 * the window, and a crash of the service leaves the window up with a clear error.
 */
import { type HostClient, connectServiceHost } from "../service/host/host-client.ts";
import type { FromHost, ToHost } from "../service/host/protocol.ts";
import type { ElectronMain } from "./electron-types.ts";

export const serviceHostEntryUrl = new URL("../service/host/service-host-entry.mjs", import.meta.url);

export interface ServiceProcess extends HostClient {
  exited: Promise<string>;
}

export function startServiceProcess(
  utilityProcess: ElectronMain["utilityProcess"],
  entry: string,
  dbFile: string,
  secretsFile: string,
): ServiceProcess {
  const child = utilityProcess.fork(entry, [dbFile, "", secretsFile], { serviceName: "Goodhart Lab service", stdio: "inherit" });
  const client = connectServiceHost({
    post: (m: ToHost) => child.postMessage(m),
    onMessage: (l: (m: FromHost) => void) => child.on("message", (m) => l(m as FromHost)),
  });
  const exited = new Promise<string>((resolve) =>
    child.on("exit", (code) => {
      const reason = `exit code ${code}`;
      client.hostExited(reason);
      resolve(reason);
    }),
  );
  return { ...client, exited };
}
