/**
 * `goodhart label ...`: comparisons of the built-in task to label, the synthetic labeler, the LLM
 * judge (key from GOODHART_LLM_API_KEY only: never a flag, so it stays out of shell history and
 * process lists) and agreement among a dataset's labelers.
 */
import { type CliCommand, UsageError } from "../command.ts";
import { withLabDoor } from "../lab-door.ts";
import { SIGNAL_EXIT_CODES, stopSignals } from "../study-submit.ts";
import { parseOptions } from "./import.ts";
import type { AgreementDto } from "../../shared/lab-api.ts";

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

/** An interval as `estimate [low, high]`; an undefined statistic (null over the wire) prints as NaN. */
const ci = (c: AgreementDto["raw"], digits = 3): string => {
  const f = (v: number | null) => (v ?? Number.NaN).toFixed(digits);
  return `${f(c.estimate)} [${f(c.low)}, ${f(c.high)}]`;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const labelPairsCommand: CliCommand = {
  name: ["label", "pairs"],
  summary: "Create a dataset of built-in task comparisons to label",
  usage: "goodhart label pairs --name <name> [--count 200] [--seed 0] [--db path]",
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "name", "count", "seed"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    if (!opts.values.name) throw new UsageError("give the new dataset a --name");
    const spec = { name: opts.values.name, count: number("count", opts.values.count, 200), seed: number("seed", opts.values.seed, 0) };
    return withLabDoor({ db: opts.values.db, holder: "goodhart label pairs", executes: false }, async (door) => {
      const d = await door.api.labels.createComparisons(spec);
      io.out(`dataset ${d.id} '${d.name}': ${d.rowCount} comparisons of the built-in task`);
      return 0;
    });
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
    const spec = {
      datasetId: datasetId(idText),
      dimensions: (opts.values.dimensions ?? "overall")
        .split(",")
        .map((d) => d.trim())
        .filter(Boolean),
      noise: number("noise", opts.values.noise, 0),
      seed: number("seed", opts.values.seed, 0),
      name: opts.values.name,
    };
    return withLabDoor({ db: opts.values.db, holder: "goodhart label synthetic", executes: false }, async (door) => {
      const sets = await door.api.labels.createSynthetic(spec);
      for (const s of sets)
        io.out(`label set ${s.id} '${s.name}': ${s.size} labels, ${s.flippedCount} flipped (p=${s.flipP}, seed ${s.seed})`);
      return 0;
    });
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
    return withLabDoor({ db: opts.values.db, holder: "goodhart label llm", executes: false }, async (door) => {
      const est = await door.api.labels.estimateLlm({
        datasetId: id,
        template,
        model,
        requestsPerMinute: rpm,
        ...(opts.values["price-in"] === undefined ? {} : { inputPricePerMTok: number("price-in", opts.values["price-in"], 0) }),
        ...(opts.values["price-out"] === undefined ? {} : { outputPricePerMTok: number("price-out", opts.values["price-out"], 0) }),
      });
      io.out(
        `${est.comparisons} comparisons x 2 orders: ${est.requests} requests to send, ${est.cachedAnswers} answers cached; ` +
          `about ${est.inputTokens.toLocaleString("en-US")} input + ${est.outputTokens.toLocaleString("en-US")} output tokens, ` +
          `cost ${est.cost === null ? "unknown (give --price-in and --price-out)" : est.cost.toFixed(4)}, at least ${Math.ceil(est.seconds)} s at ${rpm} requests/min`,
      );
      if (!opts.flags.has("yes")) {
        io.out("Nothing sent. Add --yes to start.");
        return 0;
      }
      // In this process the service reads the key from our environment; a running lab uses its own
      // (Settings, or its environment): the key never travels over the lab's API.
      if (door.mode === "local" && !process.env[LLM_KEY_ENV]) throw new UsageError(`set ${LLM_KEY_ENV} to the endpoint's API key`);
      if (door.mode === "remote") io.err(`Judging in ${door.executor} with its own API key (Settings, or its ${LLM_KEY_ENV}).`);
      let job = await door.api.labels.startLlm({ datasetId: id, template, model, baseUrl, name, requestsPerMinute: rpm });
      const signals = stopSignals();
      let signal: keyof typeof SIGNAL_EXIT_CODES | null = null;
      void signals.signalled.then((s) => (signal = s));
      try {
        let last = 0;
        let notes = 0;
        for (;;) {
          for (const line of job.notes.slice(notes)) io.err(line);
          notes = job.notes.length;
          if (job.status !== "running") break;
          if (signal) {
            job = await door.api.labels.cancelLlm({ id: job.id });
            break;
          }
          if (Date.now() - last > 2000) {
            last = Date.now();
            io.err(`${job.done}/${job.total} comparisons judged`);
          }
          await sleep(200);
          job = await door.api.labels.llmJob({ id: job.id });
        }
      } finally {
        signals.dispose();
      }
      if (job.status === "cancelled") {
        io.err(`goodhart label llm: stopped (${signal ?? "cancelled"}); the answers so far are cached, so running it again resumes.`);
        return signal ? SIGNAL_EXIT_CODES[signal] : 1;
      }
      if (job.status === "failed") throw new Error(job.error ?? "the LLM labeling job failed");
      io.err(`${job.total}/${job.total} comparisons judged`);
      io.out(
        `label set ${job.labelSetId} '${job.name}': ${job.kept} kept, ${job.inconsistent} dropped (the two orders disagreed), ${job.malformed} dropped (malformed answer); ${job.requests} requests sent, ${job.cached} answers from the cache`,
      );
      return 0;
    });
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
    const id = datasetId(idText);
    return withLabDoor({ db: opts.values.db, holder: "goodhart label agreement", executes: false }, async (door) => {
      const {
        datasetId: _id,
        dimension,
        raterNames,
        ...report
      } = await door.api.labels.agreement({
        datasetId: id,
        dimension: opts.values.dimension ?? "overall",
      });
      const raters = raterNames.length;
      if (opts.flags.has("json")) {
        io.out(JSON.stringify({ dimension, raterNames, raters, ...report }, null, 2));
        return 0;
      }
      io.out(`${raters} labelers, ${report.items} items with two or more labels (dimension '${dimension}')`);
      raterNames.forEach((n, i) => io.out(`  [${i}] ${n}`));
      io.out(`raw agreement  ${ci(report.raw)}`);
      if (report.cohen) io.out(`Cohen's kappa  ${ci(report.cohen)}`);
      if (report.fleiss) io.out(`Fleiss' kappa  ${ci(report.fleiss)} over ${report.fleiss.items} items every labeler rated`);
      if (raters > 2)
        for (const p of report.pairwise)
          io.out(`  [${p.raters[0]}] vs [${p.raters[1]}]  ${p.items} items  raw ${ci(p.raw)}  kappa ${ci(p.cohen)}`);
      return 0;
    });
  },
};

export const labelCommands: CliCommand[] = [labelPairsCommand, labelSyntheticCommand, labelLlmCommand, labelAgreementCommand];
