/**
 * The preload's only job: expose {@link LabBridge} as `window.goodhartLab`. Calls are limited to
 * LabApi channels; the raw ipcRenderer and the IPC event object never reach the page. Files the
 * user dropped or picked become grant ids here: the preload reads their path (Electron removed
 * `File.path` in v32; `webUtils.getPathForFile` replaces it) and hands it to the main process,
 * which answers with an opaque id, so the page never holds a path it could forge or swap.
 */
import type { LabResponse } from "../shared/boundary.ts";
import type { LabBridge } from "../shared/ipc-bridge.ts";
import type { LabEvent } from "../shared/lab-api.ts";
import {
  BRIDGE_GLOBAL,
  FILE_GRANT_CHANNEL,
  LAB_EVENT_CHANNEL,
  LAB_METHOD_NAMES,
  REPORT_PDF_CHANNEL,
  labChannel,
} from "../shared/lab-channels.ts";
import type { ContextBridge, IpcRenderer, WebUtils } from "../main/electron-types.ts";

/** Builds the bridge over ipcRenderer. */
export function createLabBridge(ipcRenderer: IpcRenderer, webUtils: WebUtils): LabBridge {
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
    async grantFile(file) {
      // Empty for a File the page built in memory: only real drops and picks have a path.
      let path = "";
      try {
        path = webUtils.getPathForFile(file);
      } catch {
        path = "";
      }
      const name = typeof file?.name === "string" && file.name ? `'${file.name}'` : "This file";
      if (!path)
        throw new Error(`${name} is not a file on this computer: drop it from your file manager or choose it with the file picker.`);
      const answer = (await ipcRenderer.invoke(FILE_GRANT_CHANNEL, path)) as LabResponse;
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.value as string;
    },
    async printReportPdf(reportId) {
      const answer = (await ipcRenderer.invoke(REPORT_PDF_CHANNEL, reportId)) as LabResponse;
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.value as Uint8Array;
    },
  };
}

/** Exposes the bridge to the page's main world. */
export function exposeLabBridge(contextBridge: ContextBridge, ipcRenderer: IpcRenderer, webUtils: WebUtils): void {
  contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, createLabBridge(ipcRenderer, webUtils));
}
