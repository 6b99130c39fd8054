/**
 * The renderer's one way to the lab: the preload bridge in Electron (`window.goodhartLab`), the
 * HTTP + SSE client in browser mode (same origin; the session cookie authenticates).
 */
import { BRIDGE_GLOBAL, type LabApi, type LabBridge, createHttpLabClient, createLabApiFromBridge } from "../../shared/index.ts";

/** Where the page runs, which decides how files are handed to `datasets.import`. */
export type LabMode = "electron" | "browser";

export interface LabConnection {
  api: LabApi;
  mode: LabMode;
}

/** Connects to the lab that served this page. */
export function connectLab(global: Record<string, unknown> = window as unknown as Record<string, unknown>): LabConnection {
  const bridge = global[BRIDGE_GLOBAL] as LabBridge | undefined;
  if (bridge && typeof bridge.call === "function") return { api: createLabApiFromBridge(bridge), mode: "electron" };
  return { api: createHttpLabClient({ baseUrl: "" }).api, mode: "browser" };
}
