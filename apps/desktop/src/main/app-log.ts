/**
 * The desktop app's log file (`logs/desktop.log` in the lab's app-data folder, beside the default
 * database): startup facts and failures, so a user whose app will not start has something to
 * send, and the error dialog can say where it is. Appends one timestamped line per fact; never
 * throws (a log that cannot be written must not be what stops the app).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface AppLog {
  /** The log file's path (shown to the user when the app cannot start). */
  file: string;
  write(line: string): void;
}

/** Opens the log in the first of `dirs` that can be created (the next ones are fallbacks). */
export function openAppLog(dirs: readonly string[], name = "desktop.log"): AppLog {
  const dir = dirs.find((d) => {
    try {
      mkdirSync(d, { recursive: true });
      return true;
    } catch {
      return false;
    }
  });
  // None writable: the path still names where the log was meant to be; lines go to stderr.
  const file = join(dir ?? dirs[0]!, name);
  return {
    file,
    write(line) {
      const stamped = `${new Date().toISOString()} ${line.replace(/\n/g, "\n    ")}\n`;
      try {
        appendFileSync(file, stamped, { mode: 0o600 });
      } catch {
        process.stderr.write(stamped);
      }
    },
  };
}
