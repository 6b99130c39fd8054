/**
 * The main-process side of the bridge: one `ipcMain.handle` per LabApi method (the allow-list is
 * the method table: nothing else is registered), each checking that the caller is the app's own
 * page before validating and dispatching the call, and events forwarded to the app's windows.
 */
import { answerLabCall } from "../shared/boundary.ts";
import { LAB_EVENT_CHANNEL, type Dispose, type LabApi, type LabEvent, labChannel, labMethodNames } from "../shared/lab-api.ts";
import { isAppUrl } from "./app-protocol.ts";
import type { IpcMain, IpcMainInvokeEvent, WebContents } from "./electron-types.ts";

export interface LabIpcOptions {
  ipcMain: IpcMain;
  api: LabApi;
  subscribe: (listener: (event: LabEvent) => void) => Dispose;
  /** The web contents that receive events (the app's windows). */
  targets: () => WebContents[];
  /** Whether a call comes from a trusted frame; default: the app's own origin. */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
}

const defaultTrust = (event: IpcMainInvokeEvent): boolean => event.senderFrame !== null && isAppUrl(event.senderFrame.url);

/** Registers the handlers; returns a function removing them. */
export function registerLabIpc(options: LabIpcOptions): Dispose {
  const trusted = options.isTrustedSender ?? defaultTrust;
  const channels = labMethodNames.map((name) => ({ name, channel: labChannel(name) }));
  for (const { name, channel } of channels) {
    options.ipcMain.handle(channel, async (event, input) => {
      if (!trusted(event)) {
        return { ok: false, error: { name: "ForbiddenError", message: `${name}: refused a call from ${event.senderFrame?.url ?? "an unknown frame"}` } };
      }
      return answerLabCall(options.api, name, input);
    });
  }
  const unsubscribe = options.subscribe((event) => {
    for (const contents of options.targets()) if (!contents.isDestroyed()) contents.send(LAB_EVENT_CHANNEL, event);
  });
  return () => {
    unsubscribe();
    for (const { channel } of channels) options.ipcMain.removeHandler(channel);
  };
}
