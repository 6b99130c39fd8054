/**
 * Starts the service host as a Node child process (for the CLI, scripts and tests; Electron uses
 * a utility process with the same entry and protocol).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type HostClient, connectServiceHost } from "./host-client.ts";
import type { FromHost, ToHost } from "./protocol.ts";

export const serviceHostEntry = fileURLToPath(new URL("./service-host-entry.mjs", import.meta.url));

export interface ForkedHost extends HostClient {
  pid: number;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

export function forkServiceHost(dbFile: string, dataDir?: string): ForkedHost {
  // "advanced" serialization is structured clone, like Electron's utility-process messages.
  const child = fork(serviceHostEntry, [dbFile, dataDir ?? ""], {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const client = connectServiceHost({
    post: (m: ToHost) => void child.send(m),
    onMessage: (l: (m: FromHost) => void) => child.on("message", (m) => l(m as FromHost)),
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => {
      const reason = signal ? `killed by ${signal}` : `exit code ${code}`;
      client.hostExited(reason);
      resolve(reason);
    }),
  );
  return { ...client, pid: child.pid!, exited, kill: (signal = "SIGTERM") => void child.kill(signal) };
}
