/**
 * One process at a time executes runs on a lab database. Without this, a second process (browser
 * mode beside the desktop app, a CLI study beside either) would find the first one's runs
 * `running`, mark them interrupted and start them again. The lock is a file in the data folder
 * naming the owner (pid, host, start time); a lock whose process is gone (killed, crashed) is
 * taken over. A lock holder that serves LabApi over HTTP also publishes `lab.json` beside the lock
 * (its URL and token, readable only by the user), so another front door can submit to it.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LabConflictError } from "../shared/errors.ts";

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** What the holder is, e.g. "goodhart run" or "browser mode". */
  holder?: string;
}

/** Where a running lab serves LabApi: written by the lock holder, read by other front doors. */
export interface LabEndpoint extends LockInfo {
  url: string;
  token: string;
  dbFile: string;
}

export const LOCK_FILE = "runner.lock";
export const ENDPOINT_FILE = "lab.json";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return null; // absent, or torn: its writer died mid-write
  }
}

/** True when `info` names a live process other than this one (or one on another host, which we cannot check). */
function heldByOther(info: LockInfo, me: LockInfo): boolean {
  return info.host !== me.host || (info.pid !== process.pid && alive(info.pid));
}

/** The live process holding the lock of `dataDir` (not this one), or null. */
export function lockHolder(dataDir: string): LockInfo | null {
  const info = readJson<LockInfo>(join(dataDir, LOCK_FILE));
  if (!info || typeof info.pid !== "number") return null;
  return heldByOther(info, { pid: process.pid, host: hostname(), startedAt: "" }) ? info : null;
}

/** The endpoint of the live lab holding the lock of `dataDir`, or null (no lab, or one without a server). */
export function readLabEndpoint(dataDir: string): LabEndpoint | null {
  const holder = lockHolder(dataDir);
  if (!holder) return null;
  const endpoint = readJson<LabEndpoint>(join(dataDir, ENDPOINT_FILE));
  // An endpoint left by an earlier holder (killed before it removed it) names another pid.
  if (
    !endpoint ||
    endpoint.pid !== holder.pid ||
    endpoint.host !== holder.host ||
    typeof endpoint.url !== "string" ||
    typeof endpoint.token !== "string"
  )
    return null;
  return endpoint;
}

/** One sentence naming the process that holds the lock, for refusals. */
export function describeHolder(info: LockInfo, url?: string): string {
  return `${info.holder ?? "another Goodhart Lab process"} (pid ${info.pid} on ${info.host}, since ${info.startedAt}${url ? `, serving ${url}` : ""})`;
}

export class RunnerLock {
  #endpointWritten = false;

  private constructor(
    readonly file: string,
    readonly info: LockInfo,
  ) {}

  /** Takes the lock of `dataDir`, or throws a ConflictError naming the process that holds it. */
  static acquire(dataDir: string, what: string, holder?: string): RunnerLock {
    const file = join(dataDir, LOCK_FILE);
    const me: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...(holder ? { holder } : {}) };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me), { flag: "wx" });
        return new RunnerLock(file, me);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const owner = readJson<LockInfo>(file);
      // This very process holding it means a second service in one process: refused too.
      const held = owner !== null && (owner.pid === process.pid || heldByOther(owner, me));
      if (held) {
        const endpoint = readLabEndpoint(dataDir);
        throw new LabConflictError(
          `${describeHolder(owner!, endpoint?.url)} is running experiments on ${what}. ` +
            (endpoint
              ? "Submit to it (the goodhart CLI does so by itself), or stop it first."
              : `Wait for it to finish or stop it (Ctrl-C, or kill ${owner!.pid}), or use another database. If that process is gone, delete ${file}.`),
        );
      }
      rmSync(file, { force: true });
    }
    throw new LabConflictError(`Could not take the runner lock ${file}; another process is starting on ${what}.`);
  }

  /** Publishes where this lab serves LabApi (`lab.json`, mode 0600: it carries the token). */
  publishEndpoint(endpoint: { url: string; token: string; dbFile: string }): void {
    const file = join(this.file, "..", ENDPOINT_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ ...this.info, ...endpoint } satisfies LabEndpoint), { mode: 0o600 });
    chmodSync(temp, 0o600); // the mode option is masked by the umask; the token must not be group-readable
    renameSync(temp, file);
    this.#endpointWritten = true;
  }

  release(): void {
    if (this.#endpointWritten) rmSync(join(this.file, "..", ENDPOINT_FILE), { force: true });
    rmSync(this.file, { force: true });
  }
}
