// Entry of the sandboxed preload. Sandboxed preloads cannot import modules, so this file is
// bundled into dist/electron/preload.cjs (`npm run build:electron`) with `electron` left to the
// sandbox's require.
import type { ContextBridge, IpcRenderer, WebUtils } from "../main/electron-types.ts";
import { exposeLabBridge } from "./bridge.ts";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const electron = require("electron") as { contextBridge: ContextBridge; ipcRenderer: IpcRenderer; webUtils: WebUtils };
exposeLabBridge(electron.contextBridge, electron.ipcRenderer, electron.webUtils);
