/**
 * The desktop app's log file (`main.log` in the OS log folder Electron names): startup facts and
 * failures, so a user whose app will not start has something to send, and the error dialog can
 * say where it is. Appends one timestamped line per fact; never throws (a log that cannot be
 * written must not be what stops the app).
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface AppLog {
  /** The log file's path (shown to the user when the app cannot start). */
  file: string;
  write(line: string): void;
}

export function openAppLog(dir: string, name = "main.log"): AppLog {
  const file = join(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    // Reported by the first write's fallback below.
  }
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
