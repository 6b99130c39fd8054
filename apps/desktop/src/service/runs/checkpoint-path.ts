import { join } from "node:path";

/** Path of a run's checkpoint file inside its folder (shared by the worker and the service). */
export function checkpointPath(runDir: string): string {
  return join(runDir, "checkpoint.json");
}
