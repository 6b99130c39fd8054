/**
 * The lab service's connection to a worker pool, when a queue URL is configured (`--queue`, or
 * Settings). Opened on the first submission, so a lab without a pool never touches Redis, and a
 * wrong password is refused at that submission, before any run is created.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import type { LabStore } from "@goodhart/storage";
import type { RunSink } from "../runs/run-executor.ts";
import { type BundleImport, QueueExecutor, type QueueExecutorOptions } from "./queue-executor.ts";
import { parseQueueUrl } from "./queue-url.ts";

/** The secret-store name of the pool's password (the desktop app keeps it in the OS keychain). */
export const QUEUE_PASSWORD = "queue-password";

export interface LabPoolOptions {
  /** The configured queue URL (no credentials), or null: runs execute in this lab. */
  url(): string | null;
  /** The password from the keychain or GOODHART_QUEUE_PASSWORD, when the URL has none. */
  password(): string | undefined;
  store: LabStore;
  sink: RunSink;
  pointOf: QueueExecutorOptions["pointOf"];
  log?: (text: string) => void;
}

export interface LabPool {
  /** The pool runs go to now (opened if needed), or null when no queue is configured. */
  open(): Promise<QueueExecutor | null>;
  knows(runId: number): boolean;
  /** Cancels a run one of the pools holds; false when none does. */
  cancel(runId: number): Promise<boolean>;
  shutdown(mode: "cancel" | "interrupt"): Promise<void>;
  /** Imports a run bundle (a job's result) into its run; idempotent. */
  importBundle(runId: number, bundle: string): Promise<BundleImport>;
}

/** This lab's id on a shared pool: its host and database file, hashed (nothing readable leaves). */
export function labIdOf(store: LabStore): string {
  return createHash("sha256").update(`${os.hostname()}\0${store.path}`).digest("hex").slice(0, 12);
}

export function labPool(options: LabPoolOptions): LabPool {
  // One connection per queue URL used in this session (a changed setting keeps the old pool's runs followed).
  const pools = new Map<string, Promise<QueueExecutor>>();
  const opened: QueueExecutor[] = [];
  const lab = labIdOf(options.store);
  return {
    async open() {
      const url = options.url();
      if (!url) return null;
      let pool = pools.get(url);
      if (!pool) {
        const address = parseQueueUrl(url, options.password());
        pool = QueueExecutor.open({ address, sink: options.sink, store: options.store, lab, pointOf: options.pointOf, log: options.log });
        pools.set(url, pool);
        // A refused connection is not kept: the next submission tries again.
        pool.then((p) => opened.push(p)).catch(() => pools.delete(url));
      }
      return pool;
    },
    knows: (runId) => opened.some((p) => p.knows(runId)),
    async cancel(runId) {
      for (const p of opened) if (await p.cancel(runId)) return true;
      return false;
    },
    async importBundle(runId, bundle) {
      const p = opened.find((x) => x.knows(runId)) ?? opened[0] ?? (await this.open());
      if (!p) throw new Error("no worker pool is configured (a queue URL in Settings or --queue)");
      return p.importBundle(runId, bundle);
    },
    async shutdown(mode) {
      await Promise.all(opened.map((p) => p.shutdown(mode)));
    },
  };
}
