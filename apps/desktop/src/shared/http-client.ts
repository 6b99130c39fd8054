/**
 * LabApi over HTTP + server-sent events, for the renderer in browser mode, e2e tests and scripts.
 * Browser-safe: only fetch, streams and TextDecoder. In a page served by the lab the session cookie
 * authenticates; elsewhere pass the token (sent as `Authorization: Bearer`).
 */
import { unwrapLabResponse } from "./boundary.ts";
import { type LabTransport, createLabApiClient } from "./client.ts";
import type { Dispose, LabApi, LabEvent } from "./lab-api.ts";
import { SseParser } from "./sse.ts";

export interface HttpLabClientOptions {
  /** e.g. `http://127.0.0.1:43117`; empty string for same-origin in a page. */
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
  /** Milliseconds before reconnecting a dropped event stream. */
  reconnectMs?: number;
}

export interface HttpLabClient {
  api: LabApi;
  /**
   * Streams a file to the server's upload folder (browser mode has no paths to hand over) and
   * returns the path to give `datasets.import`.
   */
  upload(name: string, body: Blob | ArrayBuffer | Uint8Array): Promise<{ path: string; bytes: number }>;
  /** Resolves once the event stream is open, so events emitted after it are not missed. */
  eventsReady(): Promise<void>;
  /** Closes the event stream. */
  close(): void;
}

/** Creates a LabApi that talks to a lab server. */
export function createHttpLabClient(options: HttpLabClientOptions): HttpLabClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/$/, "");
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const listeners = new Set<(e: LabEvent) => void>();
  let stream: AbortController | null = null;
  let ready: Promise<void> | null = null;
  let markReady: (() => void) | null = null;

  async function readEvents(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const res = await doFetch(`${base}/api/events`, { headers: { ...auth, accept: "text/event-stream" }, signal: controller.signal });
        if (!res.ok || !res.body) throw new Error(`event stream refused: HTTP ${res.status}`);
        const parser = new SseParser();
        const decoder = new TextDecoder();
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const message of parser.push(decoder.decode(value, { stream: true }))) {
            if (message.event === "ready") markReady?.();
            else if (message.event === "lab") {
              const event = JSON.parse(message.data) as LabEvent;
              for (const l of [...listeners]) l(event);
            }
          }
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        console.warn(`Goodhart Lab: ${err instanceof Error ? err.message : String(err)}; reconnecting.`);
      }
      if (controller.signal.aborted) return;
      await new Promise((r) => setTimeout(r, options.reconnectMs ?? 1000));
    }
  }

  function ensureStream(): void {
    if (stream) return;
    stream = new AbortController();
    ready = new Promise((resolve) => (markReady = resolve));
    void readEvents(stream);
  }

  function closeStream(): void {
    stream?.abort();
    stream = null;
    ready = null;
  }

  const transport: LabTransport = {
    async call(methodName, input) {
      const res = await doFetch(`${base}/api/${methodName}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify(input ?? {}),
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${methodName}: HTTP ${res.status} ${text.slice(0, 200)}`);
      }
      return unwrapLabResponse(body);
    },
    subscribe(listener): Dispose {
      listeners.add(listener);
      ensureStream();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) closeStream();
      };
    },
  };

  return {
    api: createLabApiClient(transport),
    async upload(name, body) {
      const res = await doFetch(`${base}/api/upload?name=${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/octet-stream" },
        body: body as Blob,
      });
      const text = await res.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        throw new Error(`upload of ${name}: HTTP ${res.status} ${text.slice(0, 200)}`);
      }
      return unwrapLabResponse(answer) as { path: string; bytes: number };
    },
    eventsReady: () => {
      ensureStream();
      return ready!;
    },
    close: () => {
      listeners.clear();
      closeStream();
    },
  };
}
