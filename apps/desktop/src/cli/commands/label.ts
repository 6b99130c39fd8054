/**
 * `goodhart label ...`: comparisons of the built-in task to label, the synthetic labeler, the LLM
 * judge (key from GOODHART_LLM_API_KEY only: never a flag, so it stays out of shell history and
 * process lists) and agreement among a dataset's labelers.
 */
import type { BootstrapInterval } from "@goodhart/objectives";
import { type CliCommand, UsageError } from "../command.ts";
import { createBuiltinComparisons, datasetAgreement, estimateLlmLabeling, labelSynthetic, labelWithLlm } from "../../service/labels.ts";
import { openLab, parseOptions } from "./import.ts";

export const LLM_KEY_ENV = "GOODHART_LLM_API_KEY";

function datasetId(text: string | undefined): number {
  const id = Number(text);
  if (text === undefined || !Number.isInteger(id) || id <= 0)
    throw new UsageError(`give a dataset id (see goodhart datasets list)${text === undefined ? "" : `; '${text}' is not one`}`);
  return id;
}

function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new UsageError(`--${name}: '${text}' is not a number`);
  return v;
}

/** Runs `fn`, turning the labelers' RangeErrors (bad input) into usage errors. */
async function asUsage<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

const ci = (c: BootstrapInterval, digits = 3): string =>
  `${c.estimate.toFixed(digits)} [${c.low.toFixed(digits)}, ${c.high.toFixed(digits)}]`;

export const labelPairsCommand: CliCommand = {
  name: ["label", "pairs"],
  summary: "Create a dataset of built-in task comparisons to label",
  usage: "goodhart label pairs --name <name> [--count 200] [--seed 0] [--db path]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "name", "count", "seed"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    if (!opts.values.name) throw new UsageError("give the new dataset a --name");
    const store = openLab(opts.values.db);
    try {
      const d = await asUsage(() =>
        createBuiltinComparisons(store, {
          name: opts.values.name!,
          count: number("count", opts.values.count, 200),
          seed: number("seed", opts.values.seed, 0),
        }),
      );
      io.out(`dataset ${d.id} '${d.name}': ${d.rowCount} comparisons of the built-in task`);
      return 0;
    } finally {
      store.close();
    }
  },
};

export const labelSyntheticCommand: CliCommand = {
  name: ["label", "synthetic"],
  summary: "Label a built-in task dataset by gold (overall or per capability) with flip noise",
  usage: "goodhart label synthetic <dataset-id> --name <set> [--dimensions overall,sentiment,...] [--noise 0] [--seed 0] [--db path]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "name", "dimensions", "noise", "seed"] });
    const [idText, ...extra] = opts.positionals;
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (!opts.values.name) throw new UsageError("give the label set a --name (sets are named <name>/<dimension>)");
    const store = openLab(opts.values.db);
    try {
      const sets = await asUsage(() =>
        labelSynthetic(store, {
          datasetId: datasetId(idText),
          dimensions: (opts.values.dimensions ?? "overall")
            .split(",")
            .map((d) => d.trim())
            .filter(Boolean),
          noise: number("noise", opts.values.noise, 0),
          seed: number("seed", opts.values.seed, 0),
          name: opts.values.name!,
        }),
      );
      for (const s of sets)
        io.out(`label set ${s.id} '${s.name}': ${s.size} labels, ${s.flippedCount} flipped (p=${s.flipP}, seed ${s.seed})`);
      return 0;
    } finally {
      store.close();
    }
  },
};

export const labelLlmCommand: CliCommand = {
  name: ["label", "llm"],
  summary: "Label a dataset with an LLM judge (OpenAI-compatible endpoint; key in GOODHART_LLM_API_KEY)",
  usage:
    "goodhart label llm <dataset-id> --name <set> --base-url <url> --model <model> [--template overall|<capability>] " +
    "[--rpm 60] [--price-in <per 1M tokens>] [--price-out <per 1M tokens>] [--yes] [--db path]\n" +
    "Without --yes it prints the cost and time estimate and stops. Answers are cached in the database, so an interrupted run resumes.",
  async run(args, io) {
    const opts = parseOptions(args, {
      values: ["db", "name", "base-url", "model", "template", "rpm", "price-in", "price-out"],
      booleans: ["yes"],
    });
    const [idText, ...extra] = opts.positionals;
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const id = datasetId(idText);
    const { name, model } = opts.values;
    const baseUrl = opts.values["base-url"];
    if (!name || !baseUrl || !model) throw new UsageError("give --name, --base-url and --model");
    const template = opts.values.template ?? "overall";
    const rpm = number("rpm", opts.values.rpm, 60);
    const store = openLab(opts.values.db);
    try {
      const est = await asUsage(() =>
        estimateLlmLabeling(store, {
          datasetId: id,
          template,
          model,
          requestsPerMinute: rpm,
          inputPricePerMTok: opts.values["price-in"] === undefined ? undefined : number("price-in", opts.values["price-in"], 0),
          outputPricePerMTok: opts.values["price-out"] === undefined ? undefined : number("price-out", opts.values["price-out"], 0),
        }),
      );
      io.out(
        `${est.comparisons} comparisons x 2 orders: ${est.requests} requests to send, ${est.cachedAnswers} answers cached; ` +
          `about ${est.inputTokens.toLocaleString("en-US")} input + ${est.outputTokens.toLocaleString("en-US")} output tokens, ` +
          `cost ${est.cost === null ? "unknown (give --price-in and --price-out)" : est.cost.toFixed(4)}, at least ${Math.ceil(est.seconds)} s at ${rpm} requests/min`,
      );
      if (!opts.flags.has("yes")) {
        io.out("Nothing sent. Add --yes to start.");
        return 0;
      }
      const apiKey = process.env[LLM_KEY_ENV] ?? "";
      if (!apiKey) throw new UsageError(`set ${LLM_KEY_ENV} to the endpoint's API key`);
      let last = 0;
      const result = await asUsage(() =>
        labelWithLlm(store, {
          datasetId: id,
          template,
          endpoint: { baseUrl, model, apiKey },
          name,
          judge: { requestsPerMinute: rpm, log: (line) => io.err(line) },
          onProgress: (done, total) => {
            if (Date.now() - last > 2000 || done === total) {
              last = Date.now();
              io.err(`${done}/${total} comparisons judged`);
            }
          },
        }),
      );
      const s = result.summary;
      io.out(
        `label set ${result.labelSet.id} '${result.labelSet.name}': ${s.kept} kept, ${s.inconsistent} dropped (the two orders disagreed), ${s.malformed} dropped (malformed answer); ${s.requests} requests sent, ${s.cached} answers from the cache`,
      );
      return 0;
    } finally {
      store.close();
    }
  },
};

export const labelAgreementCommand: CliCommand = {
  name: ["label", "agreement"],
  summary: "Agreement among a dataset's labelers: raw, Cohen's and Fleiss' kappa with 95% intervals",
  usage: "goodhart label agreement <dataset-id> [--dimension overall] [--json] [--db path]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "dimension"], booleans: ["json"] });
    const [idText, ...extra] = opts.positionals;
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const store = openLab(opts.values.db);
    try {
      const r = await asUsage(() => datasetAgreement(store, datasetId(idText), opts.values.dimension ?? "overall"));
      if (opts.flags.has("json")) {
        io.out(JSON.stringify(r, null, 2));
        return 0;
      }
      io.out(`${r.raters} labelers, ${r.items} items with two or more labels (dimension '${r.dimension}')`);
      r.raterNames.forEach((n, i) => io.out(`  [${i}] ${n}`));
      io.out(`raw agreement  ${ci(r.raw)}`);
      if (r.cohen) io.out(`Cohen's kappa  ${ci(r.cohen)}`);
      if (r.fleiss) io.out(`Fleiss' kappa  ${ci(r.fleiss)} over ${r.fleiss.items} items every labeler rated`);
      if (r.raters > 2)
        for (const p of r.pairwise)
          io.out(`  [${p.raters[0]}] vs [${p.raters[1]}]  ${p.items} items  raw ${ci(p.raw)}  kappa ${ci(p.cohen)}`);
      return 0;
    } finally {
      store.close();
    }
  },
};

export const labelCommands: CliCommand[] = [labelPairsCommand, labelSyntheticCommand, labelLlmCommand, labelAgreementCommand];
