/**
 * The composition root shared by every front door (browser-mode server, Electron main, CLI): opens
 * the lab database, recovers interrupted runs and builds the service.
 */
import { dirname, join } from "node:path";
import { type LabStore, defaultDatabasePath, openDatabase } from "@goodhart/storage";
import { type LabService, type LabServiceOptions, createLabService } from "./lab-service.ts";

export interface LabRuntimeOptions {
  /** Lab database file; default: GOODHART_DB or the OS app-data folder. */
  dbFile?: string;
  /** Folder of run checkpoints, uploads and settings; default: `<db folder>/data`. */
  dataDir?: string;
  service?: Partial<Omit<LabServiceOptions, "store" | "dataDir">>;
}

export interface LabRuntime {
  store: LabStore;
  service: LabService;
  dbFile: string;
  dataDir: string;
  /** Stops runs (they become `interrupted`, resumable), then closes the database. */
  close(): Promise<void>;
}

export function openLabRuntime(options: LabRuntimeOptions = {}): LabRuntime {
  const dbFile = options.dbFile ?? defaultDatabasePath();
  const dataDir = options.dataDir ?? join(dirname(dbFile), "data");
  const store = openDatabase(dbFile);
  let service: LabService;
  try {
    service = createLabService({ store, dataDir, ...options.service });
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    store,
    service,
    dbFile,
    dataDir,
    async close() {
      await service.close();
      store.close();
    },
  };
}
