/**
 * Opens BullMQ objects on the pool's Redis and turns what goes wrong into one clear error: a wrong
 * or missing password, nothing listening, TLS mismatch, or the Redis driver missing. BullMQ's
 * driver retries a refused connection forever and reports each try as an `error` event; the lab
 * needs one answer, so the first error (or a timeout) ends the attempt.
 */
import { Queue, QueueEvents, type Worker } from "bullmq";
import { POOL_QUEUE } from "./pool-job.ts";
import { type QueueAddress, connectionOf, redactQueueUrl } from "./queue-url.ts";

export class QueueConnectionError extends Error {
  override name = "QueueConnectionError";
}

/** The message a user reads for a Redis error on `label` (host:port); never contains a password. */
export function describeQueueError(err: unknown, label: string): string {
  const message = redactQueueUrl(err instanceof Error ? err.message : String(err));
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message))
    return `the queue at ${label} refused the password (${message.split("\n")[0]}); give it in the URL (redis://:PASSWORD@host:port) or in GOODHART_QUEUE_PASSWORD`;
  if (/NOAUTH|Authentication required/i.test(message))
    return `the queue at ${label} requires a password (NOAUTH); give it in the URL (redis://:PASSWORD@host:port) or in GOODHART_QUEUE_PASSWORD`;
  if (/ECONNREFUSED/.test(message)) return `no Redis server answers at ${label} (connection refused); start one or check the address`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `the queue host in ${label} is unknown (${message})`;
  if (/could not load the optional 'ioredis'/.test(message))
    return "the Redis driver (the ioredis package) is not installed beside bullmq; install it: npm install ioredis -w apps/desktop";
  if (/certificate|CERT_|SELF_SIGNED/i.test(message))
    return `the queue at ${label} presented a TLS certificate this side does not trust (${message}); give the CA that signed it in GOODHART_QUEUE_TLS_CA (a PEM file)`;
  if (/SSL|TLS|EPROTO|wrong version number/i.test(message))
    return `TLS failed with the queue at ${label} (${message}); use rediss:// only for a server that speaks TLS`;
  return `the queue at ${label} failed: ${message}`;
}

/** Resolves when `ready` does, rejects with the first `error` the emitter reports or after `timeoutMs`. */
async function firstOf(
  emitter: { on(e: "error", f: (err: Error) => void): unknown; off(e: "error", f: (err: Error) => void): unknown },
  ready: Promise<unknown>,
  label: string,
  timeoutMs: number,
): Promise<void> {
  let onError!: (err: Error) => void;
  let timer!: NodeJS.Timeout;
  try {
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        onError = (err) => reject(new QueueConnectionError(describeQueueError(err, label)));
        emitter.on("error", onError);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new QueueConnectionError(`the queue at ${label} did not answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    if (err instanceof QueueConnectionError) throw err;
    throw new QueueConnectionError(describeQueueError(err, label));
  } finally {
    clearTimeout(timer);
    emitter.off("error", onError);
  }
}

/** Closes a BullMQ object whose connection may never have opened (its close can throw then). */
export async function closeQuietly(thing: { close(): Promise<void> } | null | undefined): Promise<void> {
  try {
    await thing?.close();
  } catch {
    // A connection that never opened has nothing to close.
  }
}

/** Keeps later connection errors (a Redis restart) from crashing the process; reports each kind once per minute. */
export function reportErrors(thing: Queue | QueueEvents | Worker, label: string, log: (text: string) => void): void {
  const last = new Map<string, number>();
  // Queue, QueueEvents and Worker are EventEmitters whose typed `on` overloads do not unify.
  (thing as unknown as NodeJS.EventEmitter).on("error", (err: Error) => {
    const text = describeQueueError(err, label);
    const now = Date.now();
    if ((last.get(text) ?? 0) + 60_000 > now) return;
    last.set(text, now);
    log(text);
  });
}

/** A ready Queue on the pool, or a QueueConnectionError saying why not. */
export async function openPoolQueue(address: QueueAddress, options: { timeoutMs?: number } = {}): Promise<Queue> {
  const queue = new Queue(POOL_QUEUE, { connection: connectionOf(address) });
  try {
    await firstOf(queue, queue.waitUntilReady(), address.label, options.timeoutMs ?? 10_000);
  } catch (err) {
    await closeQuietly(queue);
    throw err;
  }
  return queue;
}

/**
 * The id of the newest event on the queue's event stream, read through the driver (ioredis)
 * directly; undefined when the driver offers no XREVRANGE.
 */
async function newestEventId(queue: Queue): Promise<string | undefined> {
  const client = (await queue.getBackend().client) as unknown as {
    xrevrange?: (key: string, end: string, start: string, count: "COUNT", n: number) => Promise<[string, string[]][]>;
  };
  if (typeof client.xrevrange !== "function") return undefined;
  const newest = await client.xrevrange(queue.toKey("events"), "+", "-", "COUNT", 1);
  return newest[0]?.[0] ?? "0-0";
}

/**
 * Ready QueueEvents on the pool (the submitting lab's live view of its jobs). It reads from the
 * stream position of `queue` now, not from whenever its first blocking read happens to reach
 * Redis: a job added right after this returns cannot have its first events missed.
 */
export async function openPoolEvents(address: QueueAddress, queue: Queue, options: { timeoutMs?: number } = {}): Promise<QueueEvents> {
  const lastEventId = await newestEventId(queue);
  const events = new QueueEvents(POOL_QUEUE, { connection: connectionOf(address), ...(lastEventId ? { lastEventId } : {}) });
  try {
    await firstOf(events, events.waitUntilReady(), address.label, options.timeoutMs ?? 10_000);
  } catch (err) {
    await closeQuietly(events);
    throw err;
  }
  return events;
}

/** Checks that the pool's Redis accepts this address (and its credentials), then disconnects. */
export async function checkQueue(address: QueueAddress, options: { timeoutMs?: number } = {}): Promise<void> {
  await closeQuietly(await openPoolQueue(address, options));
}
