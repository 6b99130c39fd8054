/**
 * The main-process side of the bridge: one `ipcMain.handle` per LabApi method (the allow-list is
 * the method table: nothing else is registered) plus the file-grant channel, each checking that
 * the caller is the app's own page before validating and dispatching the call, and events
 * forwarded to the app's windows. The page names dataset files only by the grant ids its window
 * received for files the user dropped or picked (see service/file-grants.ts).
 */
import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { withFileGrants } from "../service/file-grants.ts";
import { type LabResponse, answerLabCall } from "../shared/boundary.ts";
import { FILE_GRANT_CHANNEL } from "../shared/lab-channels.ts";
import { LAB_EVENT_CHANNEL, type Dispose, type LabApi, type LabEvent, labChannel, labMethodNames } from "../shared/lab-api.ts";
import { isAppUrl } from "./app-protocol.ts";
import type { IpcMain, IpcMainInvokeEvent, WebContents } from "./electron-types.ts";
import { WindowFileGrants } from "./window-file-grants.ts";

export interface LabIpcOptions {
  ipcMain: IpcMain;
  api: LabApi;
  subscribe: (listener: (event: LabEvent) => void) => Dispose;
  /** The web contents that receive events (the app's windows). */
  targets: () => WebContents[];
  /** Whether a call comes from a trusted frame; default: the app's own origin. */
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
  /** The windows' file grants; default: a fresh set. */
  grants?: WindowFileGrants;
}

const defaultTrust = (event: IpcMainInvokeEvent): boolean => event.senderFrame !== null && isAppUrl(event.senderFrame.url);

const failure = (name: string, message: string): LabResponse => ({ ok: false, error: { name, message } });

/**
 * A grant for `path` in the sender's window: an existing regular file, or a dropped folder (a
 * folder grant, which only a dataset import reads: a save_to_disk or Parquet-shard folder).
 */
export function grantFile(grants: WindowFileGrants, event: Pick<IpcMainInvokeEvent, "sender">, path: unknown): LabResponse {
  if (typeof path !== "string" || !isAbsolute(path))
    return failure("ValidationError", "files:grant needs the absolute path of a dropped or chosen file or folder.");
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (err) {
    return failure("NotFoundError", `${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
  }
  if (stats.isDirectory()) return { ok: true, value: grants.for(event.sender.id).grant(path, { folder: true }) };
  if (!stats.isFile())
    return failure(
      "ValidationError",
      `${path} is neither a file nor a folder (a device or socket cannot be imported; drop the dataset itself).`,
    );
  return { ok: true, value: grants.for(event.sender.id).grant(path) };
}

/** Registers the handlers; returns a function removing them. */
export function registerLabIpc(options: LabIpcOptions): Dispose {
  const trusted = options.isTrustedSender ?? defaultTrust;
  const grants = options.grants ?? new WindowFileGrants();
  const refused = (what: string, event: IpcMainInvokeEvent): LabResponse =>
    failure("ForbiddenError", `${what}: refused a call from ${event.senderFrame?.url ?? "an unknown frame"}`);
  const channels = labMethodNames.map((name) => ({ name, channel: labChannel(name) }));
  for (const { name, channel } of channels) {
    options.ipcMain.handle(channel, async (event, input) => {
      if (!trusted(event)) return refused(name, event);
      return answerLabCall(withFileGrants(options.api, grants.for(event.sender.id)), name, input);
    });
  }
  options.ipcMain.handle(FILE_GRANT_CHANNEL, async (event, path) =>
    trusted(event) ? grantFile(grants, event, path) : refused(FILE_GRANT_CHANNEL, event),
  );
  const unsubscribe = options.subscribe((event) => {
    for (const contents of options.targets()) if (!contents.isDestroyed()) contents.send(LAB_EVENT_CHANNEL, event);
  });
  return () => {
    unsubscribe();
    for (const { channel } of channels) options.ipcMain.removeHandler(channel);
    options.ipcMain.removeHandler(FILE_GRANT_CHANNEL);
  };
}
