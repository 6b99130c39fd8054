/**
 * The service host: opens the lab runtime and answers LabApi calls arriving as messages, streaming
 * events back. Runs in its own process so the UI process stays responsive and a crash of either
 * side cannot corrupt the other's state.
 */
import { answerLabCall } from "../../shared/boundary.ts";
import { type LabRuntimeOptions, openLabRuntime } from "../runtime.ts";
import type { FromHost, MessageEnd, ToHost } from "./protocol.ts";

/** Serves LabApi over `port` until a shutdown message; resolves when closed. */
export async function runServiceHost(port: MessageEnd<FromHost, ToHost>, options: LabRuntimeOptions): Promise<void> {
  let runtime: ReturnType<typeof openLabRuntime>;
  try {
    runtime = openLabRuntime(options);
  } catch (err) {
    port.post({ type: "failed", message: err instanceof Error ? err.message : String(err) });
    return;
  }
  const { service } = runtime;
  service.subscribe((event) => port.post({ type: "event", event }));
  let closing: Promise<void> | null = null;
  const closed = new Promise<void>((resolve) => {
    port.onMessage((message) => {
      if (message.type === "call") {
        void answerLabCall(service, message.method, message.input).then((response) =>
          port.post({ type: "answer", id: message.id, response }),
        );
      } else if (message.type === "endpoint") {
        // The lock lives here, so lab.json is written here (and removed with the lock).
        service.publishEndpoint({ url: message.url, token: message.token });
      } else if (message.type === "secret") {
        options.service?.secrets?.receive?.(message.name, message.value);
      } else if (message.type === "shutdown") {
        closing ??= runtime.close().then(() => {
          port.post({ type: "closed" });
          resolve();
        });
      }
    });
  });
  port.post({ type: "ready", interruptedAtStart: [...service.interruptedAtStart], dbFile: runtime.dbFile });
  await closed;
}
