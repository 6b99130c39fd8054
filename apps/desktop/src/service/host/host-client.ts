/**
 * The front door's side of the service host: a LabApi over messages, with calls matched to answers
 * by id and events fanned out. If the host dies, pending calls fail with a clear error (its runs
 * are marked interrupted by the next host to start).
 */
import { unwrapLabResponse } from "../../shared/boundary.ts";
import { createLabApiClient } from "../../shared/client.ts";
import type { Dispose, LabApi, LabEvent } from "../../shared/lab-api.ts";
import type { FromHost, MessageEnd, ToHost } from "./protocol.ts";

export interface HostClient {
  api: LabApi;
  subscribe(listener: (event: LabEvent) => void): Dispose;
  /** Resolves once the host opened the database (with the runs it marked interrupted). */
  ready: Promise<{ interruptedAtStart: number[]; dbFile: string }>;
  /** Asks the host to stop its runs (left interrupted, resumable) and close the database. */
  shutdown(): Promise<void>;
  /** Call when the host process exited: pending and later calls fail. */
  hostExited(reason: string): void;
  /** Hands the host a secret decrypted from the OS keychain (null: cleared); it keeps it in memory only. */
  sendSecret(name: string, value: string | null): void;
  /** Tells the host where the front door serves LabApi over HTTP, for lab.json beside the runner lock (other front doors submit there). */
  publishEndpoint(endpoint: { url: string; token: string }): void;
}

export function connectServiceHost(port: MessageEnd<ToHost, FromHost>): HostClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(e: LabEvent) => void>();
  let gone: string | null = null;
  let markReady!: (v: { interruptedAtStart: number[]; dbFile: string }) => void;
  let failReady!: (e: Error) => void;
  const ready = new Promise<{ interruptedAtStart: number[]; dbFile: string }>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  port.onMessage((message) => {
    switch (message.type) {
      case "ready":
        markReady({ interruptedAtStart: message.interruptedAtStart, dbFile: message.dbFile });
        break;
      case "failed":
        failReady(new Error(`The lab service could not start: ${message.message}`));
        break;
      case "answer": {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (!p) break;
        try {
          p.resolve(unwrapLabResponse(message.response));
        } catch (err) {
          p.reject(err as Error);
        }
        break;
      }
      case "event":
        for (const l of [...listeners]) l(message.event);
        break;
      case "closed":
        markClosed();
        break;
    }
  });

  const api = createLabApiClient({
    call: (method, input) =>
      new Promise((resolve, reject) => {
        if (gone) return reject(new Error(`The lab service is not running (${gone}).`));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        port.post({ type: "call", id, method, input });
      }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  });

  return {
    api,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    ready,
    shutdown: async () => {
      if (gone) return;
      port.post({ type: "shutdown" });
      await closed;
    },
    sendSecret(name, value) {
      if (!gone) port.post({ type: "secret", name, value });
    },
    publishEndpoint({ url, token }) {
      if (!gone) port.post({ type: "endpoint", url, token });
    },
    hostExited(reason) {
      gone = reason;
      failReady(new Error(`The lab service stopped before it was ready (${reason}).`));
      markClosed();
      for (const p of pending.values()) p.reject(new Error(`The lab service stopped (${reason}); the call did not complete.`));
      pending.clear();
    },
  };
}
