/**
 * Test child process: opens the lab database given as argv[2], starts a diagnostic run, and prints
 * `step N` lines as progress arrives, so the parent test can SIGKILL it mid-run.
 */
import { openDatabase } from "@goodhart/storage";
import { createLabService } from "../lab-service.ts";

const [dbFile, dataDir] = process.argv.slice(2) as [string, string];
const store = openDatabase(dbFile);
const service = createLabService({ store, dataDir });
const experiment = await service.experiments.create({
  name: "killed",
  kind: "diagnostic.counter",
  config: { steps: 1000, stepMs: 20, checkpointEvery: 10 },
});
service.runs.onDidProgress((e) => process.stdout.write(`run ${e.runId} step ${e.step}\n`));
const run = await service.runs.start({ experimentId: experiment.id, seed: 3 });
process.stdout.write(`started ${run.id}\n`);
