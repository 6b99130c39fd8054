/**
 * The Electron main process: registers the app protocol, hardens every session and web contents,
 * opens the lab database, bridges LabApi over IPC and opens the window. Written against the
 * electron module passed in, so the wiring is tested without the Electron binary.
 * {@link startElectronApp} is the entry: it keeps a log file in the OS log folder and, when start
 * fails, says why in a native dialog that names the log file (a console nobody sees is not enough).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { appDataFolder, defaultDatabasePath } from "@goodhart/storage";
import type { SecretStore } from "../service/secret-store.ts";
import { PLACEHOLDER_PAGE } from "../server/static-files.ts";
import { CONTENT_SECURITY_POLICY } from "../shared/csp.ts";
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_START_URL, resolveAppRequest } from "./app-protocol.ts";
import { buildPreload, preloadBundlePath } from "./build-electron.ts";
import type { ElectronMain } from "./electron-types.ts";
import { type AppLog, openAppLog } from "./app-log.ts";
import { openExternalLink } from "./external-links.ts";
import { hardenSession, hardenWebContents } from "./hardening.ts";
import { registerLabIpc } from "./ipc-handlers.ts";
import { type PdfWindow, type PdfWindowOptions, createPdfWindow, registerReportPdf } from "./report-pdf.ts";
import { createSafeStorageSecretStore, keychainLabApi } from "./secret-store-electron.ts";
import { WindowFileGrants } from "./window-file-grants.ts";
import { type ServiceProcess, serviceHostEntryUrl, startServiceProcess } from "./service-process.ts";
import { type SubmissionEndpoint, startSubmissionEndpoint } from "./submission-endpoint.ts";
import { createMainWindow } from "./window-options.ts";

export interface ElectronMainOptions {
  rendererDir?: string;
  preloadPath?: string;
  /** Lab database; default GOODHART_DB or the OS app-data folder (shared with the CLI). */
  dbFile?: string;
  devTools?: boolean;
  /** Where startup facts and failures are written; default: none (startElectronApp passes one). */
  log?: AppLog;
  /** startElectronApp's log folder; default `<app-data folder>/logs`, else Electron's logs folder. */
  logDir?: string;
}

/** What runElectronMain started. */
export interface ElectronApp {
  service: ServiceProcess;
  /** Keychain-backed secrets (main process only). */
  secrets: SecretStore;
  /** Where `goodhart` commands submit while the app is open (published as lab.json beside the runner lock). */
  endpoint: SubmissionEndpoint;
}

export const defaultRendererDir = fileURLToPath(new URL("../../dist/renderer", import.meta.url));

/** Wires the app; resolves once the first window is loading, or null when another instance runs. */
export async function runElectronMain(electron: ElectronMain, options: ElectronMainOptions = {}): Promise<ElectronApp | null> {
  const { app, BrowserWindow, protocol, session, ipcMain, shell, safeStorage, net, utilityProcess, dialog } = electron;
  const log = (line: string): void => options.log?.write(line);
  // Both must happen before the app is ready.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    // A second instance would open a second writer on the same database: hand over and quit.
    app.quit();
    return null;
  }
  // Links go to the user's browser only when on the allow-list and confirmed in a dialog.
  const openLink = (url: string): void =>
    void openExternalLink(url, { dialog, openExternal: (u) => shell.openExternal(u), log }).catch((err: unknown) =>
      log(`opening ${url} failed: ${String(err)}`),
    );
  // Files the user handed a window are that window's alone, and forgotten when it closes.
  const fileGrants = new WindowFileGrants();
  app.on("web-contents-created", (_event, contents) => {
    hardenWebContents(contents, openLink);
    contents.on("destroyed", () => void fileGrants.forget(contents.id));
  });
  await app.whenReady();

  hardenSession(session.defaultSession);
  const rendererDir = options.rendererDir ?? defaultRendererDir;
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppRequest(request.url, rendererDir);
    if (!file) return new Response("Not found", { status: 404 });
    if (!existsSync(file)) {
      if (file.endsWith("index.html"))
        return new Response(PLACEHOLDER_PAGE, {
          headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": CONTENT_SECURITY_POLICY },
        });
      return new Response("Not found", { status: 404 });
    }
    // onHeadersReceived does not see custom-protocol responses, so the CSP is set here as well.
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
    headers.set("x-content-type-options", "nosniff");
    return new Response(res.body, { status: res.status, headers });
  });

  let preloadPath = options.preloadPath ?? preloadBundlePath;
  if (!existsSync(preloadPath)) {
    if (app.isPackaged)
      throw new Error(`The preload bundle is missing at ${preloadPath}; the package was built without \`npm run build:electron\`.`);
    preloadPath = await buildPreload(preloadPath);
  }

  // The same database as the CLI and browser mode (GOODHART_DB or the OS app-data folder). The
  // service (SQLite, run queue, workers) runs in a utility process; the keychain-encrypted secrets
  // sit beside the database, outside SQLite, and only this process can decrypt them.
  const dbFile = options.dbFile ?? defaultDatabasePath();
  const secretsFile = join(dirname(dbFile), "secrets.json");
  const secrets = createSafeStorageSecretStore(safeStorage, secretsFile);
  log(`database: ${dbFile}`);
  const service = startServiceProcess(utilityProcess, fileURLToPath(serviceHostEntryUrl), dbFile, secretsFile);
  void service.exited.then((reason) => log(`service process exited (${reason})`));
  await service.ready;
  log("service ready");
  // The keychain's calls are answered here; the service process gets decrypted secrets in memory only.
  const api = keychainLabApi(service.api, secrets, (name, value) => service.sendSecret(name, value));
  // The CLI submits to this app while it is open (lab.json beside the runner lock), as it does to browser mode.
  const endpoint = await startSubmissionEndpoint({
    api: service.api,
    subscribe: service.subscribe,
    publish: (e) => service.publishEndpoint(e),
    uploadDir: join(dirname(dbFile), "data", "uploads"),
  });
  log(`command-line endpoint: ${endpoint.url}`);
  const disposeIpc = registerLabIpc({
    ipcMain,
    api,
    subscribe: service.subscribe,
    targets: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    grants: fileGrants,
  });
  // Export PDF: a stored report printed in a hidden window with JavaScript off.
  const disposePdf = registerReportPdf({
    ipcMain,
    api: service.api,
    openWindow: () => createPdfWindow(BrowserWindow as unknown as new (o: PdfWindowOptions) => PdfWindow),
  });

  const openWindow = (): void => {
    const win = createMainWindow(BrowserWindow, preloadPath, { devTools: options.devTools ?? !app.isPackaged });
    win.once("ready-to-show", () => win.show());
    void win.loadURL(APP_START_URL);
  };
  openWindow();
  app.on("second-instance", () => BrowserWindow.getAllWindows()[0]?.show());
  app.on("activate", () => BrowserWindow.getAllWindows().length === 0 && openWindow());
  app.on("window-all-closed", () => app.quit());
  let closing = false;
  app.on("before-quit", (event) => {
    if (closing) return;
    closing = true;
    // Stop runs (left `interrupted`, resumable) and close the database before exiting.
    event.preventDefault();
    disposeIpc();
    disposePdf();
    void endpoint
      .close()
      .catch(() => undefined)
      .then(() => service.shutdown())
      .finally(() => app.exit(0));
  });
  return { service, secrets, endpoint };
}

/** Says why the app could not start, in a native dialog naming the log file, and exits with 1. */
export function reportStartupFailure(electron: Pick<ElectronMain, "app" | "dialog">, log: AppLog, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  log.write(`startup failed: ${err instanceof Error ? (err.stack ?? message) : message}`);
  electron.dialog.showErrorBox("Goodhart Lab could not start", `${message}\n\nThe details are in the log file:\n${log.file}`);
  electron.app.exit(1);
}

/**
 * The app's entry: opens the log file, then {@link runElectronMain}; a failure anywhere in start is
 * logged and shown in a native dialog. Never rejects.
 */
export async function startElectronApp(electron: ElectronMain, options: ElectronMainOptions = {}): Promise<ElectronApp | null> {
  const log = options.log ?? openAppLog(options.logDir ? [options.logDir] : [join(appDataFolder(), "logs"), electron.app.getPath("logs")]);
  log.write("Goodhart Lab starting");
  try {
    return await runElectronMain(electron, { ...options, log });
  } catch (err) {
    reportStartupFailure(electron, log, err);
    return null;
  }
}
