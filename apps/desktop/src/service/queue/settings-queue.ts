/**
 * The queue URL as Settings keep it: without credentials. A password given in the URL goes to the
 * OS keychain (the desktop app's main process keeps it: src/main/secret-store-electron.ts); where
 * there is none it is refused, never written to settings.json.
 */
import { LabValidationError } from "../../shared/errors.ts";
import type { SecretStore } from "../secret-store.ts";
import { QUEUE_PASSWORD } from "./lab-pool.ts";
import { QueueUrlError, parseQueueUrl, publicQueueUrl } from "./queue-url.ts";

/** A queue URL from Settings, split into what settings.json keeps and the password it carried. */
export interface QueueUrlSetting {
  /** The URL without credentials, or null: run in this lab. */
  queueUrl: string | null;
  password?: string;
}

/**
 * Splits a queue URL from Settings (null or "": run in this lab).
 * @throws LabValidationError naming queueUrl and what is wrong, never echoing a password
 */
export function splitQueueUrl(input: string | null): QueueUrlSetting {
  if (input === null || input.trim() === "") return { queueUrl: null };
  let address;
  try {
    // No GOODHART_QUEUE_PASSWORD here: only a password typed into the URL is the user's to keep.
    address = parseQueueUrl(input.trim(), undefined);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new LabValidationError(`queueUrl: ${err.message}`);
    throw err;
  }
  return { queueUrl: publicQueueUrl(address), ...(address.password !== undefined ? { password: address.password } : {}) };
}

/**
 * What a new queue URL does to the kept password: a URL with one replaces it (string); no URL, or
 * another URL without one, clears it (null), so a pool's password never goes to a different
 * server; the URL already set given again without one keeps it (undefined), because Settings
 * shows that URL without its password and "Use pool" sends it back as shown.
 */
export function queuePasswordAfter(next: QueueUrlSetting, currentUrl: string | null): string | null | undefined {
  if (next.password !== undefined) return next.password;
  if (next.queueUrl !== null && next.queueUrl === currentUrl) return undefined;
  return null;
}

/** The settings patch for a queue URL from Settings (undefined: unchanged; null or "": run in this lab). */
export function settingsQueueUrl(input: string | null | undefined, secrets: SecretStore): { queueUrl?: string | null } {
  if (input === undefined) return {};
  const { queueUrl, password } = splitQueueUrl(input);
  if (password !== undefined) {
    if (!secrets.available)
      throw new LabValidationError(
        "queueUrl: a password cannot be kept here (only the desktop app keeps one, in the OS keychain); give the URL without it and set GOODHART_QUEUE_PASSWORD in the environment of the process that serves the lab",
      );
    secrets.set(QUEUE_PASSWORD, password);
  }
  return { queueUrl };
}
