/**
 * The one object the preload exposes to the page (`window.goodhartLab`): a generic bridge that
 * forwards LabApi calls (`lab:<service>.<method>`) and events, and nothing else. Answers and
 * errors cross as plain data (`{ok, value}` / `{ok: false, error: {name, message}}`) because
 * contextBridge does not preserve error classes; the page rebuilds them with
 * {@link createLabApiFromBridge}.
 */
import type { LabResponse } from "./boundary.ts";
import { unwrapLabResponse } from "./boundary.ts";
import { createLabApiClient } from "./client.ts";
import type { Dispose, LabApi, LabEvent } from "./lab-api.ts";
import { labMethodNames } from "./lab-api.ts";
import { FILE_GRANT_CHANNEL, LAB_EVENT_CHANNEL, REPORT_PDF_CHANNEL, labChannel } from "./lab-channels.ts";

export { BRIDGE_GLOBAL } from "./lab-channels.ts";

export interface LabBridge {
  /** Forwards one LabApi call; rejects only for a method outside LabApi. */
  call(methodName: string, input: unknown): Promise<LabResponse>;
  /** Receives LabApi events until the returned function is called. */
  subscribe(listener: (event: LabEvent) => void): Dispose;
  /**
   * A grant id for a file the user dropped or picked (the preload reads its path with
   * `webUtils.getPathForFile`; the page never sees it), to pass as `path` to `datasets.detect` /
   * `datasets.import`; a dropped folder's File gives a folder grant, which only those two read.
   * Rejects for a File that is not on disk (one the page built itself).
   */
  grantFile(file: File): Promise<string>;
  /** A stored report printed to PDF by the main process (`webContents.printToPDF` with the report's print stylesheet). */
  printReportPdf?(reportId: number): Promise<Uint8Array>;
}

/** Every IPC channel the renderer may use: one per LabApi method, the event channel, the file-grant and the report-PDF channels. */
export function ipcChannelAllowList(): string[] {
  return [...labMethodNames.map(labChannel), LAB_EVENT_CHANNEL, FILE_GRANT_CHANNEL, REPORT_PDF_CHANNEL];
}

/** The LabApi a page builds over the preload's bridge (errors rebuilt, inputs validated). */
export function createLabApiFromBridge(bridge: LabBridge): LabApi {
  return createLabApiClient({
    call: async (methodName, input) => unwrapLabResponse(await bridge.call(methodName, input)),
    subscribe: (listener) => bridge.subscribe(listener),
  });
}
