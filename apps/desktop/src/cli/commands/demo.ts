import { DEMO_OPTIONS, DEMO_STUDY, type BonStudyConfig } from "@goodhart/objectives";
import { type CliCommand, UsageError } from "../command.ts";
import { parseOptions } from "./import.ts";
import { outcomeExitCode, parseThreads, printOutcome, runStudy } from "./run.ts";

export const demoCommand: CliCommand = {
  name: ["demo"],
  summary: "Run the best-of-n overoptimization demo on the built-in task",
  usage: [
    "goodhart demo [--db path] [--cache dir] [--threads n] [--pretrain-steps n] [--bench]",
    "",
    "Pretrains a tiny policy on the built-in task (cached after the first run), samples comparisons",
    "and best-of-n pools from it, trains 5-member ensembles of three proxy sizes on clean and",
    "25%-flipped gold labels, and prints gold and proxy against sqrt(KL) for every proxy.",
    "",
    "  --bench   print a JSON line with wall time, time per phase and peak RSS after the table",
  ].join("\n"),
  async run(args, io) {
    const opts = parseOptions(args, { values: ["db", "cache", "threads", "pretrain-steps"], booleans: ["bench"] });
    if (opts.positionals.length) throw new UsageError(`unexpected argument '${opts.positionals[0]}'`);
    const study: BonStudyConfig = structuredClone(DEMO_STUDY);
    const steps = opts.values["pretrain-steps"];
    if (steps !== undefined) {
      const n = Number(steps);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--pretrain-steps must be an integer >= 0, got '${steps}'`);
      study.basePolicy.pretrainSteps = n;
    }
    const outcome = await runStudy(study, io, {
      db: opts.values.db,
      cache: opts.values.cache,
      threads: parseThreads(opts.values.threads),
      studyOptions: DEMO_OPTIONS,
      command: "goodhart demo",
    });
    printOutcome(outcome, io);
    if (outcome.signal || !outcome.result) return outcomeExitCode(outcome) || 1;
    if (opts.flags.has("bench")) {
      const timings = Object.fromEntries(Object.entries(outcome.result.timings).map(([k, v]) => [k, Number(v.toFixed(2))]));
      const usage = process.resourceUsage();
      // CPU seconds (user + system, all threads) next to wall time: on a shared machine wall time
      // depends on the other load, CPU time much less.
      const cpuS = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
      // Timings are those of the study's worker (in this process's service; a running lab's when the demo was submitted to it).
      io.out(
        JSON.stringify({
          bench: "demo",
          wall_s: Number(outcome.wallS.toFixed(2)),
          cpu_s: Number(cpuS.toFixed(2)),
          cached: outcome.result.basePolicy.cached,
          phases_s: timings,
          peak_rss_mb: Math.round(usage.maxRSS / 1024),
        }),
      );
    }
    return outcomeExitCode(outcome);
  },
};
