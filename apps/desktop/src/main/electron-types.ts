/**
 * The slice of Electron's API the main process uses, as structural types. The electron package is
 * an optional dependency (absent where only the npm registry is reachable), so the wiring is
 * written against these and tested with plain objects; at run time the real module satisfies them.
 */

export interface WebPreferences {
  preload: string;
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  nodeIntegrationInWorker: boolean;
  nodeIntegrationInSubFrames: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  webviewTag: boolean;
  experimentalFeatures: boolean;
  disableBlinkFeatures: string;
  navigateOnDragDrop: boolean;
  safeDialogs: boolean;
  spellcheck: boolean;
  devTools: boolean;
}

export interface BrowserWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  backgroundColor: string;
  webPreferences: WebPreferences;
}

export interface PreventableEvent {
  preventDefault(): void;
}

export interface WebFrame {
  url: string;
}

export interface WebContents {
  id: number;
  on(event: "will-navigate" | "will-redirect", listener: (event: PreventableEvent & { url: string }, url: string) => void): unknown;
  on(event: "will-attach-webview", listener: (event: PreventableEvent) => void): unknown;
  on(event: "destroyed", listener: () => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: "deny" } | { action: "allow" }): void;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface HeadersReceivedDetails {
  url: string;
  responseHeaders?: Record<string, string[]>;
}

export interface Session {
  setPermissionRequestHandler(
    handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null,
  ): void;
  setPermissionCheckHandler(
    handler: ((webContents: unknown, permission: string, requestingOrigin: string, details: unknown) => boolean) | null,
  ): void;
  setDevicePermissionHandler?(handler: (details: unknown) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: HeadersReceivedDetails,
        callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
      ) => void,
    ): void;
  };
}

export interface IpcMainInvokeEvent {
  senderFrame: WebFrame | null;
  sender: { id: number };
}

export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which secret store backs the encryption. */
  getSelectedStorageBackend?(): string;
}

export interface IpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface ContextBridge {
  exposeInMainWorld(key: string, api: unknown): void;
}

/** The preload's `webUtils`: the path of a File the user dropped or picked ("" for one built in memory). */
export interface WebUtils {
  getPathForFile(file: File): string;
}

/** The `dialog` calls the main process makes. */
export interface Dialog {
  /** Safe before `ready`: the one way to tell the user why the app could not start. */
  showErrorBox(title: string, content: string): void;
  showMessageBox(options: {
    type: "question" | "warning" | "info" | "error" | "none";
    buttons: string[];
    defaultId: number;
    cancelId: number;
    title: string;
    message: string;
    detail?: string;
    noLink?: boolean;
  }): Promise<{ response: number }>;
}

export interface BrowserWindowInstance {
  webContents: WebContents;
  once(event: "ready-to-show", listener: () => void): unknown;
  show(): void;
  loadURL(url: string): Promise<void>;
}

/** The parts of the `electron` module main.ts wires together. */
export interface ElectronMain {
  app: {
    enableSandbox(): void;
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<void>;
    quit(): void;
    exit(code?: number): void;
    on(event: "web-contents-created", listener: (event: unknown, contents: WebContents) => void): unknown;
    on(event: "window-all-closed" | "second-instance" | "activate", listener: () => void): unknown;
    on(event: "before-quit", listener: (event: PreventableEvent) => void): unknown;
    isPackaged: boolean;
    /** `logs`: where the app writes its log file (per user, per OS). */
    getPath(name: "logs" | "userData"): string;
  };
  dialog: Dialog;
  BrowserWindow: {
    new (options: BrowserWindowOptions): BrowserWindowInstance;
    getAllWindows(): BrowserWindowInstance[];
  };
  protocol: {
    registerSchemesAsPrivileged(schemes: unknown[]): void;
    handle(scheme: string, handler: (request: { url: string }) => Response | Promise<Response>): void;
  };
  session: { defaultSession: Session };
  ipcMain: IpcMain;
  shell: { openExternal(url: string): Promise<void> };
  safeStorage: SafeStorage;
  net: { fetch(url: string): Promise<Response> };
  utilityProcess: {
    fork(modulePath: string, args: string[], options: { serviceName: string; stdio?: "inherit" | "ignore" | "pipe" }): UtilityProcess;
  };
}

/** Electron's UtilityProcess (a Node child with a structured-clone message channel). */
export interface UtilityProcess {
  postMessage(message: unknown): void;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "exit", listener: (code: number) => void): unknown;
  kill(): boolean;
}
