/** Fan-out of LabApi events to every subscriber (IPC bridge, SSE streams, tests). */
import type { Dispose, LabEvent } from "../shared/lab-api.ts";

export class EventHub {
  readonly #listeners = new Set<(event: LabEvent) => void>();

  subscribe(listener: (event: LabEvent) => void): Dispose {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Typed listener for one event type. */
  on<T extends LabEvent["type"]>(type: T, listener: (payload: Extract<LabEvent, { type: T }>["payload"]) => void): Dispose {
    const untyped = listener as (payload: unknown) => void;
    return this.subscribe((e) => {
      if (e.type === type) untyped(e.payload);
    });
  }

  emit(event: LabEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        // One broken subscriber must not starve the others or the run that emitted.
        console.error("Goodhart Lab: an event listener threw:", err);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
