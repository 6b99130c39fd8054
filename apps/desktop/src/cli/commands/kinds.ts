/**
 * `goodhart kinds`: the experiment kinds this lab runs, read from the registry (so a kind added
 * to it appears here with no change to the CLI), and `goodhart kinds <kind>`: its config fields
 * (type, range, unit, default, meaning) generated from the kind's schema.
 */
import { fieldHelp, formatFieldHelp } from "@goodhart/objectives";
import { type CliCommand, UsageError } from "../command.ts";
import { ExperimentRegistry } from "../../service/experiments/registry.ts";
import { parseOptions } from "./import.ts";

export function kindsCommand(registry: ExperimentRegistry = new ExperimentRegistry()): CliCommand {
  return {
    name: ["kinds"],
    summary: "List the experiment kinds, or show one kind's config fields",
    usage: [
      "goodhart kinds [--all] [--json]",
      "goodhart kinds <kind> [--json]",
      "",
      "Without a kind: every experiment kind with its description and presets (--all includes the",
      "diagnostic kinds that check the run machinery). With a kind: each config field with its type,",
      "range, unit, default and meaning; --json prints the kind's whole description (JSON Schema of",
      "the config, presets, outputs, views), the same the app's forms are generated from.",
    ].join("\n"),
    async run(args, io) {
      const opts = parseOptions(args, { values: [], booleans: ["all", "json"] });
      if (opts.positionals.length > 1) throw new UsageError(`unexpected argument '${opts.positionals[1]}'`);
      const json = opts.flags.has("json");
      const id = opts.positionals[0];
      if (id !== undefined) {
        if (!registry.kinds.has(id))
          throw new UsageError(
            `unknown kind '${id}'; known kinds: ${registry.kinds
              .list()
              .map((k) => k.id)
              .join(", ")}`,
          );
        const kind = registry.kinds.describe(id);
        if (json) {
          io.out(JSON.stringify(kind, null, 2));
          return 0;
        }
        io.out(`${kind.id}: ${kind.title}\n\n${kind.description}\n\nConfig fields (path  type  range  unit  default  meaning):\n`);
        io.out(formatFieldHelp(fieldHelp(kind.configSchema)));
        if (kind.presets.length) io.out(`\nPresets: ${kind.presets.map((p) => p.name).join(", ")} (goodhart presets --kind ${kind.id})`);
        return 0;
      }
      const kinds = registry.describeAll().filter((k) => opts.flags.has("all") || !k.diagnostic);
      if (json) {
        io.out(JSON.stringify(kinds, null, 2));
        return 0;
      }
      for (const k of kinds) {
        io.out(`${k.id}${k.diagnostic ? " (diagnostic)" : ""}: ${k.title}`);
        io.out(`  ${k.description}`);
        if (k.presets.length) io.out(`  presets: ${k.presets.map((p) => p.name).join(", ")}`);
        io.out("");
      }
      io.out("Fields of a kind: goodhart kinds <kind>. Run one: goodhart run --preset NAME [--set path=value]...");
      return 0;
    },
  };
}
