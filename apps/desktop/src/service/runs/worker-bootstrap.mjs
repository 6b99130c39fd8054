// Worker threads do not inherit the parent's tsx loader (and `execArgv: ["--import", "tsx"]` does
// not apply it to the worker's entry on Node 20), so the worker starts in this plain module,
// registers tsx and then imports the TypeScript entry named in workerData.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
