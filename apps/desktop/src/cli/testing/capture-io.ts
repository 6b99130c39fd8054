import type { CliIo } from "../command.ts";

/** A CliIo that keeps what a command prints, for tests to read. */
export function captureIo(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", out: (t: string) => void (io.stdout += `${t}\n`), err: (t: string) => void (io.stderr += `${t}\n`) };
  return io;
}
