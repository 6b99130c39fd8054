// Worker threads do not inherit the parent's tsx loader, so a stack-training worker starts in this
// plain module, registers tsx and then imports the TypeScript entry (as the desktop's run workers do).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
