import path from "node:path";
import { type CliCommand, UsageError } from "../command.ts";
import { withLabDoor } from "../lab-door.ts";
import type { ModelDto } from "../../shared/lab-api.ts";
import { parseOptions } from "./import.ts";

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GB`;

function describe(m: ModelDto): string[] {
  return [
    `Model ${m.id} "${m.name}"`,
    `  folder        ${m.path}`,
    `  architecture  ${m.architecture}: ${(m.parameters / 1e6).toFixed(1)}M parameters, ${m.nLayers} layers, d_model ${m.dModel}, ${m.nHeads} heads, vocab ${m.vocab}, context ${m.maxSeq}`,
    `  tokenizer     ${m.tokenizer ?? "none (runs need token ids)"}`,
    `  weights       ${m.weightFiles.join(", ")} (${gb(m.weightBytes)})`,
    `  memory        full training ${gb(m.memory.fullTrain)}, LoRA ${gb(m.memory.loraTrain)}, sampling ${gb(m.memory.inference)} (batch 4 x ${Math.min(128, m.maxSeq)})`,
  ];
}

export const modelsImportCommand: CliCommand = {
  name: ["models", "import"],
  summary: "Register a Hugging Face model folder (GPT-2, GPT-NeoX/Pythia, Llama) for runs to start from",
  usage:
    "goodhart models import <folder> [--name name] [--db path] [--json]\n\nReads config.json, the safetensors headers and the tokenizer's presence (not the weights),\nrefuses what the engine cannot run with the file and field named, and records the folder.\nImporting the same unchanged folder again returns the existing entry.",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "name"], booleans: ["json"] });
    const [dir, ...extra] = opts.positionals;
    if (dir === undefined || extra.length) throw new UsageError("give one model folder");
    return withLabDoor({ db: opts.values.db, holder: "goodhart models import", executes: false }, async (door) => {
      // Importing an unchanged folder again returns its entry: it was there before this call.
      const before = new Set((await door.api.models.list()).map((m) => m.id));
      // Absolute: a running lab resolves paths from its own working folder.
      const model = await door.api.models.import({ path: path.resolve(dir), ...(opts.values.name ? { name: opts.values.name } : {}) });
      const created = !before.has(model.id);
      if (opts.flags.has("json")) io.out(JSON.stringify({ created, model }, null, 2));
      else io.out([...(created ? [] : [`Already registered (unchanged):`]), ...describe(model)].join("\n"));
      return 0;
    });
  },
};

export const modelsListCommand: CliCommand = {
  name: ["models", "list"],
  summary: "List the registered model folders",
  usage: "goodhart models list [--db path] [--json]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db"], booleans: ["json"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    return withLabDoor({ db: opts.values.db, holder: "goodhart models list", executes: false }, async (door) => {
      const models = await door.api.models.list();
      if (opts.flags.has("json")) io.out(JSON.stringify(models, null, 2));
      else if (models.length === 0) io.out(`No models in ${door.dbFile}. Register one with: goodhart models import <folder>`);
      else io.out(models.flatMap(describe).join("\n"));
      return 0;
    });
  },
};
