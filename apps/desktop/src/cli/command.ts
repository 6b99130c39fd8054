/** What every `goodhart` sub-command provides. */
export interface CliCommand {
  /** Words that select the command, e.g. `["datasets", "list"]`. */
  name: string[];
  /** One line for `goodhart --help`. */
  summary: string;
  /** Usage text shown by `goodhart <command> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Output channels, injectable so tests read what a user would see. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

/** A user error: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
