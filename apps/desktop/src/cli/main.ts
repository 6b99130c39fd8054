import { readFileSync } from "node:fs";
import { type CliCommand, type CliIo, UsageError, processIo } from "./command.ts";
import { commands as defaultCommands } from "./commands/index.ts";

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function helpText(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.join(" ").length));
  return [
    "goodhart - Goodhart Lab: reward-model overoptimization experiments on your machine",
    "",
    "Usage: goodhart <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.join(" ").padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  --help, -h     show help (also: goodhart <command> --help)",
    "  --version, -v  print the version",
  ].join("\n");
}

/** Finds the command whose name is the longest prefix of argv. */
function findCommand(commands: CliCommand[], argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.length - a.name.length);
  for (const command of sorted) {
    if (command.name.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.name.length) };
  }
  return undefined;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo, commands = defaultCommands): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.out(helpText(commands));
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out(cliVersion());
    return 0;
  }
  const found = findCommand(commands, argv);
  if (!found) {
    io.err(`goodhart: unknown command '${argv.join(" ")}'. Run 'goodhart --help' for the list.`);
    return 2;
  }
  if (found.rest.includes("--help") || found.rest.includes("-h")) {
    io.out(found.command.usage);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`goodhart ${found.command.name.join(" ")}: ${err.message}`);
      return 2;
    }
    io.err(`goodhart ${found.command.name.join(" ")}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
