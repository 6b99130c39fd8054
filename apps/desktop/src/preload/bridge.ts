/**
 * The preload's only job: expose {@link LabBridge} as `window.goodhartLab`. Calls are limited to
 * LabApi channels; the raw ipcRenderer and the IPC event object never reach the page.
 */
import type { LabResponse } from "../shared/boundary.ts";
import type { LabBridge } from "../shared/ipc-bridge.ts";
import type { LabEvent } from "../shared/lab-api.ts";
import { BRIDGE_GLOBAL, LAB_EVENT_CHANNEL, LAB_METHOD_NAMES, labChannel } from "../shared/lab-channels.ts";
import type { ContextBridge, IpcRenderer } from "../main/electron-types.ts";

/** Builds the bridge over ipcRenderer. */
export function createLabBridge(ipcRenderer: IpcRenderer): LabBridge {
  const allowed = new Set(LAB_METHOD_NAMES);
  return {
    async call(methodName, input) {
      if (typeof methodName !== "string" || !allowed.has(methodName)) {
        return { ok: false, error: { name: "UnknownMethodError", message: `'${String(methodName)}' is not a LabApi method.` } };
      }
      return (await ipcRenderer.invoke(labChannel(methodName), input)) as LabResponse;
    },
    subscribe(listener) {
      // The IPC event (with its sender) stays here; the page only sees the LabEvent.
      const handler = (_event: unknown, payload: unknown): void => listener(payload as LabEvent);
      ipcRenderer.on(LAB_EVENT_CHANNEL, handler);
      return () => void ipcRenderer.removeListener(LAB_EVENT_CHANNEL, handler);
    },
  };
}

/** Exposes the bridge to the page's main world. */
export function exposeLabBridge(contextBridge: ContextBridge, ipcRenderer: IpcRenderer): void {
  contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, createLabBridge(ipcRenderer));
}
