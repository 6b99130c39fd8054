/**
 * The desktop app's door for the other front doors (issue 11): while the app is open it holds the
 * runner lock, so `goodhart run` must submit to it rather than open the database a second time.
 * The main process serves LabApi over HTTP on 127.0.0.1 with a random port and a fresh random
 * token - the same server browser mode uses (server/lab-server.ts: Host/Origin checks, token,
 * uploads through grants) - and the service host publishes it as lab.json beside the runner lock
 * (mode 0600, it carries the token), exactly as browser mode does; cli/lab-door.ts finds it there.
 * The page itself never uses this server: the window talks over IPC.
 */
import type { Dispose, LabApi, LabEvent } from "../shared/lab-api.ts";
import { startLabServer } from "../server/lab-server.ts";

export interface SubmissionEndpointOptions {
  /** The app's service (the service host's LabApi, not the keychain one: a remote door cannot touch the keychain). */
  api: LabApi;
  subscribe: (listener: (event: LabEvent) => void) => Dispose;
  /** Writes lab.json beside the runner lock (the service host's publishEndpoint). */
  publish: (endpoint: { url: string; token: string }) => void;
  /** Folder for files other doors upload before importing them (a subfolder per launch, removed on close). */
  uploadDir: string;
}

export interface SubmissionEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function startSubmissionEndpoint(options: SubmissionEndpointOptions): Promise<SubmissionEndpoint> {
  const server = await startLabServer({
    api: options.api,
    subscribe: options.subscribe,
    port: 0,
    staticDir: null,
    uploadDir: options.uploadDir,
  });
  options.publish({ url: server.url, token: server.token });
  return { url: server.url, close: () => server.close() };
}
