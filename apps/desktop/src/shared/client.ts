/**
 * A LabApi built from a transport: one generic proxy instead of one hand-written stub per method.
 * The preload (IPC) and the browser client (HTTP + SSE) are both this proxy over their transport.
 */
import { parseLabInput } from "./boundary.ts";
import { type Dispose, type LabApi, type LabEvent, labEventList, labMethodNames } from "./lab-api.ts";

/** How a proxy reaches the service. */
export interface LabTransport {
  /** Sends a validated call; resolves to the value or rejects with the rebuilt error. */
  call(methodName: string, input: unknown): Promise<unknown>;
  /** Receives every event until the returned function is called. */
  subscribe(listener: (event: LabEvent) => void): Dispose;
}

/** Builds the LabApi proxy: every method validates its input locally and then calls the transport. */
export function createLabApiClient(transport: LabTransport): LabApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const methodName of labMethodNames) {
    const [service, name] = methodName.split(".") as [string, string];
    api[service] ??= {};
    api[service][name] = async (input?: unknown) => transport.call(methodName, parseLabInput(methodName, input));
  }
  for (const event of labEventList) {
    api[event.service] ??= {};
    api[event.service]![event.name] = (listener: (payload: unknown) => void): Dispose =>
      transport.subscribe((e) => {
        if (e.type === event.type) listener(e.payload);
      });
  }
  return api as unknown as LabApi;
}
