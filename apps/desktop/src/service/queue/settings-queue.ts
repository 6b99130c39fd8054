/**
 * The queue URL as Settings keep it: without credentials. A password given in the URL goes to the
 * OS keychain (the desktop app's secret store); where there is none it is refused, never written
 * to settings.json.
 */
import { LabValidationError } from "../../shared/errors.ts";
import type { SecretStore } from "../secret-store.ts";
import { QUEUE_PASSWORD } from "./lab-pool.ts";
import { QueueUrlError, parseQueueUrl, publicQueueUrl } from "./queue-url.ts";

/** The settings patch for a queue URL from Settings (undefined: unchanged; null or "": run in this lab). */
export function settingsQueueUrl(input: string | null | undefined, secrets: SecretStore): { queueUrl?: string | null } {
  if (input === undefined) return {};
  if (input === null || input.trim() === "") return { queueUrl: null };
  let address;
  try {
    address = parseQueueUrl(input.trim(), undefined);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new LabValidationError(`queueUrl: ${err.message}`);
    throw err;
  }
  if (address.password !== undefined) {
    if (!secrets.available)
      throw new LabValidationError(
        "queueUrl: a password cannot be kept here (this lab's service has no OS keychain to put it in); give the URL without it and set GOODHART_QUEUE_PASSWORD in the environment of the process that serves the lab",
      );
    secrets.set(QUEUE_PASSWORD, address.password);
  }
  return { queueUrl: publicQueueUrl(address) };
}
