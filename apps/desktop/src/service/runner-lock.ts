/**
 * One process at a time executes runs on a lab database. Without this, a second app (browser mode
 * beside the desktop app, say) would find the first one's runs `running`, mark them interrupted
 * and start them again. The lock is a file in the data folder naming the owner's pid; a lock whose
 * process is gone (killed, crashed) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LabConflictError } from "../shared/errors.ts";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class RunnerLock {
  private constructor(readonly file: string) {}

  /** Takes the lock of `dataDir`, or throws a ConflictError naming the process that holds it. */
  static acquire(dataDir: string, what: string): RunnerLock {
    const file = join(dataDir, "runner.lock");
    const me: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me), { flag: "wx" });
        return new RunnerLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      let owner: LockInfo | null = null;
      try {
        owner = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
      } catch {
        owner = null; // torn or unreadable: its writer died mid-write
      }
      const held = owner !== null && (owner.host !== me.host || owner.pid === process.pid || alive(owner.pid));
      if (held) {
        throw new LabConflictError(
          `Another Goodhart Lab process (pid ${owner!.pid} on ${owner!.host}, since ${owner!.startedAt}) is running experiments on ${what}. ` +
            `Close it first, or use another database. If that process is gone, delete ${file}.`,
        );
      }
      rmSync(file, { force: true });
    }
    throw new LabConflictError(`Could not take the runner lock ${file}; another process is starting on ${what}.`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
