/**
 * `goodhart presets [--kind K]`: the named starting points of every kind (which papers they
 * reproduce, which datasets they suit); `goodhart presets NAME` prints the full config a preset
 * stands for, ready to save as a file and edit.
 */
import { type CliCommand, UsageError } from "../command.ts";
import { ExperimentRegistry } from "../../service/experiments/registry.ts";
import { parseOptions } from "./import.ts";

export function presetsCommand(registry: ExperimentRegistry = new ExperimentRegistry()): CliCommand {
  return {
    name: ["presets"],
    summary: "List the presets of every experiment kind, or print one preset's config",
    usage: [
      "goodhart presets [--kind K] [--json]",
      "goodhart presets <name>",
      "",
      "Lists each preset with its kind, the papers it reproduces and the datasets it suits. With a",
      "name, prints the preset's full config as JSON (save it, edit it, run it with goodhart run).",
    ].join("\n"),
    async run(args, io) {
      const opts = parseOptions(args, { values: ["kind"], booleans: ["json"] });
      if (opts.positionals.length > 1) throw new UsageError(`unexpected argument '${opts.positionals[1]}'`);
      const name = opts.positionals[0];
      if (name !== undefined) {
        const found = registry.presets().find((p) => p.name === name);
        if (!found)
          throw new UsageError(
            `unknown preset '${name}'; known presets: ${registry
              .presets()
              .map((p) => p.name)
              .join(", ")}`,
          );
        io.out(JSON.stringify({ kind: found.kind, ...found.config }, null, 2));
        // The fields the preset leaves out are the user's to fill: say so where a script will not parse it.
        for (const r of found.requires ?? []) io.err(`${name} requires ${r.path}: ${r.description}`);
        return 0;
      }
      const kind = opts.values.kind;
      if (kind !== undefined && !registry.kinds.has(kind))
        throw new UsageError(
          `unknown kind '${kind}'; known kinds: ${registry.kinds
            .list()
            .map((k) => k.id)
            .join(", ")}`,
        );
      const presets = registry.presets(kind);
      if (opts.flags.has("json")) {
        io.out(JSON.stringify(presets, null, 2));
        return 0;
      }
      if (presets.length === 0) {
        io.out(kind ? `Kind ${kind} has no presets.` : "No presets.");
        return 0;
      }
      for (const p of presets) {
        io.out(`${p.name}  (${p.kind}) ${p.title}`);
        io.out(`  ${p.description}`);
        io.out(`  papers: ${p.papers.join("; ") || "-"}   datasets: ${p.datasets.join(", ") || "-"}`);
        for (const r of p.requires ?? []) io.out(`  requires ${r.path}: ${r.description} (--set ${r.path}=...)`);
        io.out("");
      }
      io.out("Run one: goodhart run --preset NAME [--set path=value]...; print its config: goodhart presets NAME");
      return 0;
    },
  };
}
