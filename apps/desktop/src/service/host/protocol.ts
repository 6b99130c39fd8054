/**
 * Messages between a front door (the Electron main process) and the service host process (an
 * Electron utility process, or a Node child process in tests and scripts). The host owns the
 * database and the run workers, so the front door's event loop never writes SQLite.
 */
import type { LabResponse } from "../../shared/boundary.ts";
import type { LabEvent } from "../../shared/lab-api.ts";

export type ToHost =
  | { type: "call"; id: number; method: string; input: unknown }
  /** A secret the front door decrypted from the OS keychain (null: cleared), for the host's memory only. */
  | { type: "secret"; name: string; value: string | null }
  /** Where the front door serves this lab's LabApi over HTTP (main/submission-endpoint.ts): published as lab.json beside the runner lock. */
  | { type: "endpoint"; url: string; token: string }
  | { type: "shutdown" };

export type FromHost =
  | { type: "ready"; interruptedAtStart: number[]; dbFile: string }
  | { type: "answer"; id: number; response: LabResponse }
  | { type: "event"; event: LabEvent }
  | { type: "failed"; message: string }
  | { type: "closed" };

/** One side of a message channel (both Electron's parentPort/UtilityProcess and Node IPC fit). */
export interface MessageEnd<Out, In> {
  post(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}
