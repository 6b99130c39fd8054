/**
 * How a `goodhart` command reaches the lab: always through the LabService, the one write path.
 * When a lab (browser mode, the desktop app) holds the runner lock of the database and publishes
 * its endpoint (`lab.json` beside the lock), the command talks to that lab over HTTP, so its runs
 * execute there and nothing is opened twice. When another process holds the lock without an
 * endpoint (another CLI study), a command that executes runs is refused with a message naming
 * it. Otherwise the command opens the service in this process and holds the lock itself.
 */
import { dirname, join, resolve } from "node:path";
import { type LabStore, defaultDatabasePath, openDatabase } from "@goodhart/storage";
import { createHttpLabClient } from "../shared/http-client.ts";
import type { LabApi } from "../shared/lab-api.ts";
import { describeHolder, lockHolder, readLabEndpoint } from "../service/runner-lock.ts";
import type { LabServiceOptions } from "../service/lab-service.ts";
import { openLabRuntime } from "../service/runtime.ts";
import { UsageError } from "./command.ts";

export interface LabDoor {
  /** LabApi of the service that executes the runs (events too: `api.runs.onDidProgress`). */
  api: LabApi;
  /** Remote only: streams a file to the lab's upload folder and returns the path to import (the lab may not read ours). */
  upload?: (name: string, body: Uint8Array) => Promise<{ path: string; bytes: number }>;
  /** `local`: the service runs in this process; `remote`: a running lab's service, over HTTP. */
  mode: "local" | "remote";
  dbFile: string;
  /** Who executes the runs, for messages: "this process" or "the lab at URL (pid …)". */
  executor: string;
  /** Reads the database directly (summaries); in remote mode a second connection beside the lab's. */
  store(): LabStore;
  /**
   * Ctrl-C: stops the given runs after their current step; they are stored `cancelled`. Local: the
   * service shuts down (every run it executes stops, the runner lock is released) and `api` still
   * reads. Remote: the lab cancels them and keeps running.
   */
  stopRuns(runIds: readonly number[]): Promise<void>;
  /** Closes the door. Local: runs still executing become `interrupted` (resumable), the lock is released. Remote: only this connection closes. */
  close(): Promise<void>;
}

export interface LabDoorOptions {
  /** --db; default GOODHART_DB, else the OS app-data folder. */
  db?: string;
  /** --cache (local only): folder of cached artefacts such as the pretrained base policy. */
  cache?: string;
  /** --threads (local only): ONNX Runtime threads of the runs. */
  threads?: number;
  /** What the command is, for the lock and refusals (e.g. "goodhart run"). */
  holder: string;
  /** The command executes, resumes or cancels runs (needs the runner, here or remote). */
  executes: boolean;
  /** Called with a note for the user (e.g. that options do not apply to a remote lab). */
  note?: (text: string) => void;
  /** Options of the in-process service (e.g. an importer carrying the command's flags); unused with a remote lab. */
  service?: Partial<Omit<LabServiceOptions, "store" | "dataDir">>;
}

/** The folder of checkpoints, settings, the runner lock and lab.json of a database (as the runtime sets it). */
export function dataDirOf(dbFile: string): string {
  return join(dirname(dbFile), "data");
}

export async function openLabDoor(options: LabDoorOptions): Promise<LabDoor> {
  const dbFile = resolve(options.db ?? defaultDatabasePath());
  const dataDir = dataDirOf(dbFile);
  const endpoint = readLabEndpoint(dataDir);
  if (endpoint) {
    if (resolve(endpoint.dbFile) !== dbFile)
      throw new UsageError(
        `${join(dataDir, "lab.json")} names database ${endpoint.dbFile}, not ${dbFile}; stop the lab at ${endpoint.url} or use another --db.`,
      );
    if (options.cache || options.threads)
      options.note?.(`--cache and --threads do not apply: the runs execute in the running lab at ${endpoint.url} with its own settings.`);
    const client = createHttpLabClient({ baseUrl: endpoint.url, token: endpoint.token });
    let store: LabStore | null = null;
    return {
      api: client.api,
      upload: (name, body) => client.upload(name, body),
      mode: "remote",
      dbFile,
      executor: `the running lab ${describeHolder(endpoint, endpoint.url)}`,
      store: () => (store ??= openDatabase(dbFile)),
      async stopRuns(runIds) {
        for (const id of runIds) {
          const run = await client.api.runs.get({ id });
          if (run.status === "queued" || run.status === "running") await client.api.runs.cancel({ id }).catch(() => undefined);
        }
      },
      async close() {
        client.close();
        store?.close();
      },
    };
  }
  const holder = lockHolder(dataDir);
  if (holder && options.executes) {
    throw new UsageError(
      `${describeHolder(holder)} is running experiments on ${dbFile} and serves no API to submit to. ` +
        `Wait for it to finish (goodhart runs list --db ${dbFile}), stop it (Ctrl-C in its terminal, or kill ${holder.pid}), or use another --db.`,
    );
  }
  const runtime = openLabRuntime({
    dbFile,
    dataDir,
    service: {
      ...options.service,
      // A command that only reads never takes the lock, so it never touches another process's runs.
      recoverInterrupted: options.executes,
      // Runs a dead process left queued wait for the app (or `goodhart runs resume`), not for whichever command opens the lab next.
      requeueQueued: false,
      holder: `${options.holder} (command line)`,
      ...(options.cache ? { cacheDir: resolve(options.cache) } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
    },
  });
  const conflict = options.executes ? runtime.service.runnerConflict() : null;
  if (conflict) {
    await runtime.close();
    throw new UsageError(conflict);
  }
  return {
    api: runtime.service,
    mode: "local",
    dbFile,
    executor: "this process",
    store: () => runtime.store,
    async stopRuns() {
      await runtime.service.close({ runs: "cancel" });
    },
    async close() {
      await runtime.service.close({ runs: "interrupt" });
      runtime.store.close();
    },
  };
}

/** Errors of the service that are the user's to fix (bad input, not found, not possible now), by their wire names. */
const USER_ERRORS = new Set(["ValidationError", "NotFoundError", "ConflictError"]);

/** Rethrows the service's refusal of the user's input as a UsageError (message only, exit 2); anything else as it is. */
export function userError(err: unknown): never {
  if (err instanceof Error && USER_ERRORS.has(err.name)) throw new UsageError(err.message);
  throw err;
}

/**
 * Opens the door, hands it to `use` and closes it: the shape of every command that reads or
 * writes the lab without executing runs. Refusals of the service become usage errors.
 */
export async function withLabDoor<T>(options: LabDoorOptions, use: (door: LabDoor) => Promise<T>): Promise<T> {
  const door = await openLabDoor(options);
  try {
    return await use(door).catch(userError);
  } finally {
    await door.close();
  }
}
