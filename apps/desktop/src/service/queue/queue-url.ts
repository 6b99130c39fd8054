/**
 * The worker pool's address: `redis://[user:password@]host[:port][/db]` or `rediss://...` (TLS).
 * Credentials may also come from GOODHART_QUEUE_PASSWORD (so they stay out of shell history and
 * process listings). Everything the lab logs or stores names the queue by `host:port` only.
 * A `rediss://` server whose certificate is signed by a private CA is trusted through
 * GOODHART_QUEUE_TLS_CA (a PEM file); without it Node's public CAs apply.
 */
import { readFileSync } from "node:fs";

export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** PEM text of the CA certificate(s) that sign the server's certificate (rediss:// only). */
  tlsCa?: string;
  /** `host:port`: the only form that is printed, logged or stored. */
  label: string;
}

/** The connection options BullMQ hands to its Redis driver (ioredis). */
export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: { ca?: string };
}

export class QueueUrlError extends Error {
  override name = "QueueUrlError";
}

/**
 * Reads the CA file for a TLS queue, once, when the address is parsed: a missing or non-PEM file
 * is a clear error before any connection is tried.
 */
function readTlsCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new QueueUrlError(
      `GOODHART_QUEUE_TLS_CA: cannot read the CA certificate file ${file} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----"))
    throw new QueueUrlError(`GOODHART_QUEUE_TLS_CA: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}

/**
 * Parses a queue URL. `password` (e.g. GOODHART_QUEUE_PASSWORD) is used when the URL has none;
 * `tlsCaFile` (GOODHART_QUEUE_TLS_CA) is read for rediss:// and ignored for redis://.
 * @throws QueueUrlError naming what is wrong, never echoing a password
 */
export function parseQueueUrl(
  text: string,
  password: string | undefined = process.env.GOODHART_QUEUE_PASSWORD,
  tlsCaFile: string | undefined = process.env.GOODHART_QUEUE_TLS_CA,
): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: a malformed URL may still hold a password.
    throw new QueueUrlError("the queue address is not a URL; expected redis://host:port or rediss://host:port");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new QueueUrlError(`queue address must start with redis:// or rediss:// (TLS), got ${url.protocol}//`);
  if (!url.hostname) throw new QueueUrlError("queue address has no host; expected redis://host:port");
  const port = url.port === "" ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new QueueUrlError(`queue address database must be a number (redis://host:port/0), got '/${dbText}'`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const urlPassword = url.password ? decodeURIComponent(url.password) : undefined;
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const pass = urlPassword ?? (password === "" ? undefined : password);
  const tls = url.protocol === "rediss:";
  return {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(pass !== undefined ? { password: pass } : {}),
    tls,
    ...(tls && tlsCaFile ? { tlsCa: readTlsCa(tlsCaFile) } : {}),
    label: `${url.hostname}:${port}`,
  };
}

export function connectionOf(address: QueueAddress): QueueConnection {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.tls ? { tls: address.tlsCa ? { ca: address.tlsCa } : {} } : {}),
  };
}

/** The URL without credentials, safe to print or store (`rediss://host:port/1`). */
export function publicQueueUrl(address: QueueAddress): string {
  return `${address.tls ? "rediss" : "redis"}://${address.label}${address.db ? `/${address.db}` : ""}`;
}

/** Any text that may hold a queue URL with credentials, with the `user:password@` part removed. */
export function redactQueueUrl(text: string): string {
  return text.replace(/(rediss?:\/\/)[^@/\s]*@/gi, "$1");
}
