/**
 * Test child process: labels dataset argv[4] of the lab database argv[2] with the LLM judge at
 * base URL argv[3] (key from GOODHART_LLM_API_KEY) and prints `answered N` after each comparison,
 * so the parent test can SIGKILL it mid-run and check that a rerun resumes from the cache.
 */
import { openDatabase } from "@goodhart/storage";
import { labelWithLlm } from "../labels.ts";

const [dbFile, baseUrl, datasetId] = process.argv.slice(2) as [string, string, string];
const store = openDatabase(dbFile);
await labelWithLlm(store, {
  datasetId: Number(datasetId),
  template: "overall",
  endpoint: { baseUrl, model: "judge-test", apiKey: process.env.GOODHART_LLM_API_KEY ?? "" },
  name: "killed run",
  judge: { backoffMs: 1 },
  onProgress: (done) => process.stdout.write(`answered ${done}\n`),
});
process.stdout.write("finished\n");
