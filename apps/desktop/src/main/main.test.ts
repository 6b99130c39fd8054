import { fork } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixturePath } from "../../../../fixtures/index.ts";
import { exposeLabBridge } from "../preload/bridge.ts";
import type { LabRuntime } from "../service/runtime.ts";
import { openLabRuntime } from "../service/runtime.ts";
import { CONTENT_SECURITY_POLICY } from "../shared/csp.ts";
import { LabValidationError } from "../shared/errors.ts";
import { BRIDGE_GLOBAL, type LabBridge, createLabApiFromBridge, ipcChannelAllowList } from "../shared/ipc-bridge.ts";
import { LAB_EVENT_CHANNEL, labMethodNames } from "../shared/lab-api.ts";
import { FILE_GRANT_CHANNEL, REPORT_PDF_CHANNEL } from "../shared/lab-channels.ts";
import { APP_START_URL, resolveAppRequest } from "./app-protocol.ts";
import { buildPreload } from "./build-electron.ts";
import type { ElectronMain, IpcMain, IpcMainInvokeEvent, IpcRenderer, Session, WebContents, WebUtils } from "./electron-types.ts";
import { openAppLog } from "./app-log.ts";
import { isAllowedExternalLink, openExternalLink } from "./external-links.ts";
import { hardenSession, hardenWebContents, withCspHeader } from "./hardening.ts";
import { grantFile, registerLabIpc } from "./ipc-handlers.ts";
import { WindowFileGrants } from "./window-file-grants.ts";
import { runElectronMain, startElectronApp } from "./main.ts";
import { createSafeStorageSecretStore } from "./secret-store-electron.ts";
import { mainWindowOptions } from "./window-options.ts";

/** An in-process ipcMain/ipcRenderer pair: what Electron's IPC does, minus the process boundary. */
function fakeIpc(senderUrl: string, senderId = 1) {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const ipcMain: IpcMain = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const ipcRenderer: IpcRenderer = {
    invoke: async (channel, ...args) => {
      const h = handlers.get(channel);
      if (!h) throw new Error(`No handler registered for '${channel}'`);
      // Structured clone, as Electron does across processes.
      return structuredClone(
        await h({ senderFrame: { url: senderUrl }, sender: { id: senderId } }, ...args.map((a) => structuredClone(a))),
      );
    },
    on: (channel, listener) => {
      if (!rendererListeners.has(channel)) rendererListeners.set(channel, new Set());
      rendererListeners.get(channel)!.add(listener);
    },
    removeListener: (channel, listener) => rendererListeners.get(channel)?.delete(listener),
  };
  const contents: WebContents = {
    id: 1,
    on: () => undefined,
    setWindowOpenHandler: () => {},
    send: (channel, ...args) => {
      for (const l of rendererListeners.get(channel) ?? []) l({ sender: "ipc-event" }, ...args.map((a) => structuredClone(a)));
    },
    isDestroyed: () => false,
  };
  return { ipcMain, ipcRenderer, handlers, contents };
}

/** A renderer's second window on the same ipcMain: its own sender id, the same handlers. */
function secondWindow(
  handlers: Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>,
  senderId: number,
): Pick<IpcRenderer, "invoke"> {
  return {
    invoke: async (channel, ...args) =>
      structuredClone(await handlers.get(channel)!({ senderFrame: { url: APP_START_URL }, sender: { id: senderId } }, ...args)),
  };
}

/**
 * Electron's webUtils: a File the user dropped or picked has a path on disk; one the page built in
 * memory has none (getPathForFile answers ""). `drop` plays the user dropping a file from disk.
 */
function fakeWebUtils() {
  const onDisk = new WeakMap<File, string>();
  const webUtils: WebUtils = { getPathForFile: (file) => onDisk.get(file) ?? "" };
  const drop = (path: string): File => {
    const file = new File([readFileSync(path)], path.split("/").pop()!);
    onDisk.set(file, path);
    return file;
  };
  // A dropped folder reaches the page as a File with no bytes whose path is the folder's.
  const dropFolder = (path: string): File => {
    const file = new File([], path.split("/").pop()!);
    onDisk.set(file, path);
    return file;
  };
  return { webUtils, drop, dropFolder };
}

function fakeWebContents() {
  const listeners = new Map<string, (event: { preventDefault(): void }, url?: string) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  const contents = {
    id: 2,
    on: (event: string, listener: (event: { preventDefault(): void }, url?: string) => void) => listeners.set(event, listener),
    setWindowOpenHandler: (h: (d: { url: string }) => { action: string }) => (openHandler = h),
    send: () => {},
    isDestroyed: () => false,
  } as unknown as WebContents;
  const navigate = (event: string, url: string): boolean => {
    let prevented = false;
    listeners.get(event)!({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, navigate, listeners, open: (url: string) => openHandler!({ url }) };
}

function fakeSession() {
  const calls: {
    headers?: (d: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void;
    request?: (...a: any[]) => void;
    check?: (...a: any[]) => boolean;
    device?: (d: unknown) => boolean;
  } = {};
  const session: Session = {
    setPermissionRequestHandler: (h) => (calls.request = h ?? undefined),
    setPermissionCheckHandler: (h) => (calls.check = h ?? undefined),
    setDevicePermissionHandler: (h) => (calls.device = h),
    webRequest: { onHeadersReceived: (l) => (calls.headers = l as typeof calls.headers) },
  };
  return { session, calls };
}

const runtimes: LabRuntime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
});

function runtime(): LabRuntime {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-main-"));
  const r = openLabRuntime({ dbFile: join(dir, "lab.sqlite") });
  runtimes.push(r);
  return r;
}

describe("window options", () => {
  it("turns on isolation and sandbox and turns off every Node door", () => {
    const o = mainWindowOptions("/app/preload.cjs");
    expect(o.webPreferences).toMatchObject({
      preload: "/app/preload.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: "Auxclick",
      navigateOnDragDrop: false,
      devTools: false,
    });
    expect(o.show).toBe(false);
  });
});

describe("Content-Security-Policy", () => {
  it("is strict: no inline or eval script, nothing from elsewhere, no framing", () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*|https?:/);
  });

  it("is set on every response, replacing a weaker one", () => {
    const headers = withCspHeader({
      url: "app://lab/index.html",
      responseHeaders: { "content-security-policy": ["default-src *"], "Content-Type": ["text/html"] },
    });
    expect(headers["Content-Security-Policy"]).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers["content-security-policy"]).toBeUndefined();
    expect(headers["Content-Type"]).toEqual(["text/html"]);
  });
});

describe("session and web contents hardening", () => {
  it("denies every permission request and check by default, and installs the CSP header", () => {
    const { session, calls } = fakeSession();
    hardenSession(session);
    for (const permission of ["media", "geolocation", "notifications", "clipboard-read", "openExternal", "fullscreen"]) {
      let granted: boolean | undefined;
      calls.request!({}, permission, (g: boolean) => (granted = g), {});
      expect(granted, permission).toBe(false);
      expect(calls.check!({}, permission, "app://lab", {})).toBe(false);
    }
    expect(calls.device!({})).toBe(false);
    let response: any;
    calls.headers!({ url: "app://lab/" }, (r) => (response = r));
    expect(response.responseHeaders["Content-Security-Policy"]).toEqual([CONTENT_SECURITY_POLICY]);
  });

  it("blocks navigation away from the app, new windows and webviews", () => {
    const opened: string[] = [];
    const w = fakeWebContents();
    hardenWebContents(w.contents, (url) => opened.push(url));
    expect(w.navigate("will-navigate", "https://evil.example/")).toBe(true);
    expect(w.navigate("will-navigate", "file:///etc/passwd")).toBe(true);
    expect(w.navigate("will-redirect", "http://127.0.0.1:8080/")).toBe(true);
    expect(w.navigate("will-navigate", "app://lab/runs")).toBe(false);
    expect(w.navigate("will-navigate", "app://lab.evil.example/")).toBe(true);
    let webview = false;
    w.listeners.get("will-attach-webview")!({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    expect(w.open("https://arxiv.org/abs/2210.10760")).toEqual({ action: "deny" });
    expect(w.open("javascript:alert(1)")).toEqual({ action: "deny" });
    expect(w.open("file:///etc/passwd")).toEqual({ action: "deny" });
    expect(w.open("https://evil.example/phish")).toEqual({ action: "deny" });
    expect(opened).toEqual(["https://arxiv.org/abs/2210.10760"]);
  });

  it("maps app:// requests into the renderer folder only", () => {
    expect(resolveAppRequest("app://lab/index.html", "/r")).toBe("/r/index.html");
    expect(resolveAppRequest("app://lab/", "/r")).toBe("/r/index.html");
    expect(resolveAppRequest("app://lab/runs/3", "/r")).toBe("/r/index.html");
    expect(resolveAppRequest("app://lab/assets/app.js", "/r")).toBe("/r/assets/app.js");
    // The URL parser folds dot segments at the root; encoded slashes are decoded by us and must not escape.
    expect(resolveAppRequest("app://lab/%2e%2e/secret.js", "/r")).toBe("/r/secret.js");
    expect(resolveAppRequest("app://lab/..%2f..%2fetc/passwd.js", "/r")).toBeNull();
    expect(resolveAppRequest("app://lab/assets/..%2f..%2f..%2fsecret.js", "/r")).toBeNull();
    expect(resolveAppRequest("app://other/index.html", "/r")).toBeNull();
    expect(resolveAppRequest("https://lab/index.html", "/r")).toBeNull();
  });
});

describe("IPC bridge", () => {
  it("registers exactly one handler per LabApi method: the allow-list is the method table", () => {
    const ipc = fakeIpc("app://lab/index.html");
    const r = runtime();
    const dispose = registerLabIpc({ ipcMain: ipc.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [ipc.contents] });
    expect([...ipc.handlers.keys()].sort()).toEqual([...labMethodNames.map((m) => `lab:${m}`), FILE_GRANT_CHANNEL].sort());
    expect(ipcChannelAllowList()).toEqual([
      ...labMethodNames.map((m) => `lab:${m}`),
      LAB_EVENT_CHANNEL,
      FILE_GRANT_CHANNEL,
      REPORT_PDF_CHANNEL,
    ]);
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it("carries calls, errors and events between the page and the real service", async () => {
    const ipc = fakeIpc("app://lab/index.html");
    const r = runtime();
    registerLabIpc({ ipcMain: ipc.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [ipc.contents] });
    const exposed = new Map<string, unknown>();
    exposeLabBridge({ exposeInMainWorld: (key, value) => exposed.set(key, value) }, ipc.ipcRenderer, fakeWebUtils().webUtils);
    expect([...exposed.keys()]).toEqual([BRIDGE_GLOBAL]);
    const bridge = exposed.get(BRIDGE_GLOBAL) as LabBridge;
    expect(Object.keys(bridge).sort()).toEqual(["call", "grantFile", "printReportPdf", "subscribe"]);
    expect(await bridge.call("constructor", {})).toMatchObject({ ok: false, error: { name: "UnknownMethodError" } });

    const api = createLabApiFromBridge(bridge);
    const statuses: string[] = [];
    api.runs.onDidChangeStatus((e) => statuses.push(e.status));
    const experiment = await api.experiments.create({ name: "ipc", kind: "diagnostic.counter", config: { steps: 3, stepMs: 1 } });
    const run = await api.runs.start({ experimentId: experiment.id });
    await expect(api.runs.get({ id: 999 })).rejects.toThrow(/Run 999 does not exist/);
    // The server side validates too: a call that skips the page's validation is still refused.
    expect(await bridge.call("runs.get", { id: "x" })).toMatchObject({ ok: false, error: { name: "ValidationError" } });
    await expect(api.runs.get({ id: 0 })).rejects.toBeInstanceOf(LabValidationError);
    // Generous deadline: a worker start under a loaded CI machine can take several seconds.
    for (let i = 0; i < 1600 && !statuses.includes("done"); i++) await new Promise((res) => setTimeout(res, 25));
    expect(statuses).toEqual(["queued", "running", "done"]);
    expect((await api.runs.get({ id: run.id })).status).toBe("done");
  });

  it("refuses calls from a frame that is not the app", async () => {
    const ipc = fakeIpc("https://evil.example/");
    const r = runtime();
    registerLabIpc({ ipcMain: ipc.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [] });
    const answer = await ipc.ipcRenderer.invoke("lab:experiments.list", {});
    expect(answer).toMatchObject({ ok: false, error: { name: "ForbiddenError", message: expect.stringMatching(/evil\.example/) } });
  });
});

/** A small preference file the importer recognises (prompt / chosen / rejected). */
function writePairs(path: string, n: number, tag: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(
    path,
    Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `${tag} ${i}?`, chosen: `good ${i}`, rejected: `bad ${i}` })).join("\n") +
      "\n",
  );
  return path;
}

describe("files dropped or picked in Electron", () => {
  it("honours a dropped file's grant, and refuses a made-up path, a page-built File and another window's grant with clear errors", async () => {
    const ipc = fakeIpc(APP_START_URL, 1);
    const r = runtime();
    registerLabIpc({ ipcMain: ipc.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [] });
    const files = fakeWebUtils();
    const exposed = new Map<string, unknown>();
    exposeLabBridge({ exposeInMainWorld: (key, value) => exposed.set(key, value) }, ipc.ipcRenderer, files.webUtils);
    const bridge = exposed.get(BRIDGE_GLOBAL) as LabBridge;
    const api = createLabApiFromBridge(bridge);
    const home = mkdtempSync(join(tmpdir(), "goodhart-drop-"));

    // The user drops a dataset: the page gets an opaque id, never the path.
    const dropped = writePairs(join(home, "Downloads", "pairs.jsonl"), 4, "dropped");
    const grant = await bridge.grantFile(files.drop(dropped));
    expect(grant).toMatch(/^grant-[\w-]{24}$/);
    expect((await api.datasets.detect({ path: grant })).container).toBe("jsonl");
    expect(await api.datasets.import({ path: grant, name: "dropped" })).toMatchObject({ name: "dropped", rowCount: 4 });
    // The user's own file is left where it was.
    expect(existsSync(dropped)).toBe(true);

    // A path the page makes up is refused, however dataset-like the file is.
    const secret = writePairs(join(home, ".ssh", "credentials"), 3, "SECRET");
    await expect(api.datasets.import({ path: secret })).rejects.toThrow(
      /^datasets\.import: '.*\.ssh\/credentials' is not a file dropped, chosen or uploaded in this window/,
    );
    await expect(api.datasets.detect({ path: secret })).rejects.toMatchObject({ name: "ForbiddenError" });
    // A File the page built in memory has no path, so it gets no grant.
    await expect(bridge.grantFile(new File(["{}"], "made-up.jsonl"))).rejects.toThrow(/'made-up\.jsonl' is not a file on this computer/);
    // A grant is good only in the window that received it.
    const other = writePairs(join(home, "other.jsonl"), 2, "other");
    const grantOfWindow1 = await bridge.grantFile(files.drop(other));
    expect(await secondWindow(ipc.handlers, 2).invoke("lab:datasets.import", { path: grantOfWindow1 })).toMatchObject({
      ok: false,
      error: { name: "ForbiddenError" },
    });
    // The grant channel itself takes only existing files and folders, and only from the app's page.
    expect(await ipc.ipcRenderer.invoke(FILE_GRANT_CHANNEL, "/dev/null")).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/is neither a file nor a folder/) },
    });
    expect(await ipc.ipcRenderer.invoke(FILE_GRANT_CHANNEL, join(home, "missing.jsonl"))).toMatchObject({
      ok: false,
      error: { name: "NotFoundError" },
    });
    expect(await ipc.ipcRenderer.invoke(FILE_GRANT_CHANNEL, "relative/path.jsonl")).toMatchObject({
      ok: false,
      error: { name: "ValidationError" },
    });
    const foreign = fakeIpc("https://evil.example/", 3);
    registerLabIpc({ ipcMain: foreign.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [] });
    expect(await foreign.ipcRenderer.invoke(FILE_GRANT_CHANNEL, secret)).toMatchObject({ ok: false, error: { name: "ForbiddenError" } });

    expect(r.store.datasets.list().map((d) => d.name)).toEqual(["dropped"]);
  });

  it("grants a dropped folder, which a dataset import reads as one dataset and nothing else accepts", async () => {
    const ipc = fakeIpc(APP_START_URL, 1);
    const r = runtime();
    registerLabIpc({ ipcMain: ipc.ipcMain, api: r.service, subscribe: r.service.subscribe, targets: () => [] });
    const files = fakeWebUtils();
    const exposed = new Map<string, unknown>();
    exposeLabBridge({ exposeInMainWorld: (key, value) => exposed.set(key, value) }, ipc.ipcRenderer, files.webUtils);
    const bridge = exposed.get(BRIDGE_GLOBAL) as LabBridge;
    const api = createLabApiFromBridge(bridge);

    // A save_to_disk DatasetDict dropped whole: the folder importer reads its splits as one dataset.
    const folder = fixturePath("datasets/hh-rlhf_harmless-base_save_to_disk");
    const grant = await bridge.grantFile(files.dropFolder(folder));
    expect(grant).toMatch(/^grant-[\w-]{24}$/);
    expect(await api.datasets.detect({ path: grant })).toMatchObject({ container: "arrow", format: "hh-rlhf" });
    expect(await api.datasets.import({ path: grant })).toMatchObject({ name: "hh-rlhf_harmless-base_save_to_disk", rowCount: 120 });
    // A folder grant is no file: a run log or a model file must be the file itself.
    const again = await bridge.grantFile(files.dropFolder(folder));
    await expect(api.runs.import({ path: again })).rejects.toThrow(
      /^runs\.import: '.*hh-rlhf_harmless-base_save_to_disk' is a folder; drop the file itself/,
    );
    await expect(api.models.import({ files: [{ name: "config.json", path: again }] })).rejects.toThrow(/models\.import: .* is a folder/);

    // The grant function itself: a folder grant resolves only where folders are read, in its own window.
    const grants = new WindowFileGrants();
    const answer = grantFile(grants, { sender: { id: 7 } }, folder);
    expect(answer).toMatchObject({ ok: true, value: expect.stringMatching(/^grant-/) });
    const id = (answer as { value: string }).value;
    expect(grants.for(7).resolve(id, "datasets.import", { folders: true })).toBe(folder);
    expect(() => grants.for(7).resolve(id, "runs.import")).toThrow(/is a folder/);
    expect(() => grants.for(8).resolve(id, "datasets.import", { folders: true })).toThrow(/is not a file dropped, chosen or uploaded/);
    expect(grantFile(grants, { sender: { id: 7 } }, "/dev/null")).toMatchObject({ ok: false, error: { name: "ValidationError" } });
    // The fixture folder is left as it was.
    expect(existsSync(join(folder, "train", "state.json"))).toBe(true);
  });
});

describe("external links", () => {
  it("allows https links to the listed hosts only", () => {
    for (const url of ["https://arxiv.org/abs/2210.10760", "https://www.github.com/org/repo", "https://huggingface.co/datasets/x"])
      expect(isAllowedExternalLink(url), url).toBe(true);
    for (const url of [
      "http://arxiv.org/abs/1",
      "https://arxiv.org.evil.example/",
      "https://evil.example/?arxiv.org",
      "https://user:pw@github.com/",
      "https://github.com:8443/",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "smb://github.com/share",
      "not a url",
    ]) {
      expect(isAllowedExternalLink(url), url).toBe(false);
    }
  });

  it("refuses a link off the list without asking, and opens a listed one only after the user confirms", async () => {
    const opened: string[] = [];
    const asked: string[] = [];
    let answer = 0;
    const deps = {
      dialog: {
        showMessageBox: async (o: { detail?: string; buttons: string[]; cancelId: number }) => {
          asked.push(o.detail!);
          expect(o.buttons[o.cancelId]).toBe("Cancel");
          return { response: answer };
        },
      },
      openExternal: async (url: string) => void opened.push(url),
    };
    expect(await openExternalLink("https://evil.example/phish", deps)).toBe("refused");
    expect(await openExternalLink("ms-msdt:/id PCWDiagnostic", deps)).toBe("refused");
    expect(asked).toEqual([]);
    expect(await openExternalLink("https://arxiv.org/abs/2210.10760", deps)).toBe("opened");
    answer = 1;
    expect(await openExternalLink("https://github.com/goodhart-lab", deps)).toBe("cancelled");
    expect(asked).toEqual(["https://arxiv.org/abs/2210.10760", "https://github.com/goodhart-lab"]);
    expect(opened).toEqual(["https://arxiv.org/abs/2210.10760"]);
  });
});

describe("startup failure", () => {
  it("logs to the app-data folder, or to the fallback folder when that cannot be created", () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-applog-"));
    writeFileSync(join(dir, "file"), "");
    const log = openAppLog([join(dir, "file", "logs"), join(dir, "fallback")]);
    log.write("first line\nsecond line");
    expect(log.file).toBe(join(dir, "fallback", "desktop.log"));
    expect(readFileSync(log.file, "utf8")).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z first line\n {4}second line\n$/);
  });

  it("is shown in a native dialog naming the log file, written to that file, and exits with 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-startfail-"));
    const preloadPath = join(dir, "preload.cjs");
    writeFileSync(preloadPath, "// bundled preload");
    const boxes: { title: string; content: string }[] = [];
    const exits: (number | undefined)[] = [];
    const electron = {
      app: {
        enableSandbox: () => {},
        requestSingleInstanceLock: () => true,
        whenReady: async () => {},
        quit: () => {},
        exit: (code?: number) => void exits.push(code),
        on: () => {},
        isPackaged: false,
        getPath: (name: string) => join(dir, name),
      },
      BrowserWindow: class {
        static getAllWindows() {
          return [];
        }
      },
      protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
      session: { defaultSession: fakeSession().session },
      ipcMain: fakeIpc(APP_START_URL).ipcMain,
      shell: { openExternal: async () => {} },
      safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => "" },
      net: { fetch: async () => new Response("") },
      utilityProcess: {
        fork: () => {
          throw new Error("the service process could not be started: out of memory");
        },
      },
      dialog: {
        showErrorBox: (title: string, content: string) => void boxes.push({ title, content }),
        showMessageBox: async () => ({ response: 1 }),
      },
    } as unknown as ElectronMain;
    expect(
      await startElectronApp(electron, {
        preloadPath,
        rendererDir: join(dir, "renderer"),
        dbFile: join(dir, "lab.sqlite"),
        logDir: join(dir, "logs"),
      }),
    ).toBeNull();
    const logFile = join(dir, "logs", "desktop.log");
    expect(boxes).toEqual([{ title: "Goodhart Lab could not start", content: expect.stringContaining("out of memory") }]);
    expect(boxes[0]!.content).toContain(logFile);
    const logged = readFileSync(logFile, "utf8");
    expect(logged).toMatch(/Goodhart Lab starting/);
    expect(logged).toMatch(/startup failed: Error: the service process could not be started: out of memory\n\s+at /);
    expect(exits).toEqual([1]);
  });
});

describe("preload bundle", () => {
  it("bundles into one CommonJS file that requires nothing but electron", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "goodhart-preload-")), "preload.cjs");
    await buildPreload(out);
    const code = readFileSync(out, "utf8");
    const requires = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(["electron"]));
    expect(code).toContain("exposeInMainWorld");
    expect(code).toContain("goodhartLab");
    // Files become grants in the preload: the path is read there and sent only to the main process.
    expect(code).toContain("getPathForFile");
    expect(code).toContain("files:grant");
    // Only the channel names ride along: no schema library in the privileged preload.
    expect(code.length).toBeLessThan(20_000);
  });
});

describe("keychain secret store", () => {
  // A reversible stand-in for the OS keychain: the test checks the wiring, not the cipher.
  const keychain = (backend = "gnome_libsecret") => ({
    isEncryptionAvailable: () => true,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
    getSelectedStorageBackend: () => backend,
  });

  it("keeps only ciphertext on disk and reads it back", () => {
    const file = join(mkdtempSync(join(tmpdir(), "goodhart-secrets-")), "secrets.json");
    const store = createSafeStorageSecretStore(keychain(), file);
    store.set("llm-labeler-api-key", "sk-test-123");
    expect(readFileSync(file, "utf8")).not.toContain("sk-test-123");
    expect(store.has("llm-labeler-api-key")).toBe(true);
    expect(store.get("llm-labeler-api-key")).toBe("sk-test-123");
    store.delete("llm-labeler-api-key");
    expect(store.has("llm-labeler-api-key")).toBe(false);
  });

  it("refuses to store secrets when Linux offers only the basic_text backend", () => {
    const file = join(mkdtempSync(join(tmpdir(), "goodhart-secrets-")), "secrets.json");
    const store = createSafeStorageSecretStore(keychain("basic_text"), file);
    expect(store.available).toBe(false);
    expect(() => store.set("k", "v")).toThrow(/keychain is not available/);
  });
});

describe("runElectronMain wiring (fake electron module)", () => {
  it("registers the scheme before ready, hardens, bridges every method and opens one hardened window", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-electron-"));
    const preloadPath = join(dir, "preload.cjs");
    writeFileSync(preloadPath, "// bundled preload");
    const log: string[] = [];
    const ipc = fakeIpc(APP_START_URL);
    const { session, calls } = fakeSession();
    const windows: { options: any; url?: string }[] = [];
    const appListeners = new Map<string, (...a: any[]) => void>();
    let ready!: () => void;
    const whenReady = new Promise<void>((r) => (ready = r));
    let protocolHandler: ((req: { url: string }) => Promise<Response> | Response) | undefined;
    class FakeWindow {
      webContents = ipc.contents;
      constructor(options: unknown) {
        windows.push({ options });
        log.push("window");
      }
      once() {}
      show() {}
      async loadURL(url: string) {
        windows.at(-1)!.url = url;
      }
      static getAllWindows() {
        return [] as FakeWindow[];
      }
    }
    const electron = {
      app: {
        enableSandbox: () => log.push("sandbox"),
        requestSingleInstanceLock: () => true,
        whenReady: () => {
          log.push("whenReady");
          return whenReady;
        },
        quit: () => log.push("quit"),
        exit: () => log.push("exit"),
        on: (event: string, listener: (...a: any[]) => void) => appListeners.set(event, listener),
        isPackaged: false,
        getPath: () => join(dir, "logs"),
      },
      dialog: {
        showErrorBox: () => log.push("error-box"),
        showMessageBox: async (o: { detail?: string }) => {
          log.push(`prompt:${o.detail}`);
          return { response: 1 };
        },
      },
      BrowserWindow: FakeWindow,
      protocol: {
        registerSchemesAsPrivileged: (schemes: unknown[]) => log.push(`schemes:${JSON.stringify(schemes)}`),
        handle: (scheme: string, handler: typeof protocolHandler) => {
          log.push(`handle:${scheme}`);
          protocolHandler = handler;
        },
      },
      session: { defaultSession: session },
      ipcMain: ipc.ipcMain,
      shell: { openExternal: async (url: string) => void log.push(`external:${url}`) },
      safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => "" },
      net: { fetch: async () => new Response("file") },
      // Electron's utility process, played by a real Node child process with the same message semantics.
      utilityProcess: {
        fork: (modulePath: string, args: string[], opts: { serviceName: string }) => {
          log.push(`utility:${opts.serviceName}`);
          const child = fork(modulePath, args, { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
          return {
            postMessage: (m: unknown) => void child.send(m as object),
            on: (event: string, listener: (...a: any[]) => void) =>
              event === "exit" ? child.on("exit", (code) => listener(code ?? 1)) : child.on(event, listener),
            kill: () => child.kill(),
          };
        },
      },
    } as unknown as ElectronMain;

    const started = runElectronMain(electron, { preloadPath, rendererDir: join(dir, "renderer"), dbFile: join(dir, "lab.sqlite") });
    // Before ready: the scheme and the sandbox are set up synchronously.
    expect(log[0]).toMatch(/^schemes:.*"scheme":"app".*"secure":true/);
    expect(log.slice(1, 3)).toEqual(["sandbox", "whenReady"]);
    expect(appListeners.has("web-contents-created")).toBe(true);
    ready();
    const started_ = (await started)!;
    expect(log).toContain("utility:Goodhart Lab service");
    // The CLI's door into the open app: served on 127.0.0.1, published by the service process beside its lock.
    expect(started_.endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const labJson = join(dir, "data", "lab.json");
    for (let i = 0; i < 500 && !existsSync(labJson); i++) await new Promise((res) => setTimeout(res, 10));
    expect(JSON.parse(readFileSync(labJson, "utf8"))).toMatchObject({ url: started_.endpoint.url });
    expect(log).toContain("handle:app");
    expect(calls.headers).toBeDefined();
    expect(calls.request).toBeDefined();
    expect([...ipc.handlers.keys()].sort()).toEqual(
      [...labMethodNames.map((m) => `lab:${m}`), FILE_GRANT_CHANNEL, REPORT_PDF_CHANNEL].sort(),
    );
    expect(windows.length).toBe(1);
    expect(windows[0]!.options).toEqual(mainWindowOptions(preloadPath, { devTools: true }));
    expect(windows[0]!.url).toBe("app://lab/index.html");
    const page = await protocolHandler!({ url: "app://lab/index.html" });
    expect(page.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.text()).toMatch(/not built yet/);
    expect((await protocolHandler!({ url: "app://lab/../../etc/passwd.js" })).status).toBe(404);
    mkdirSync(join(dir, "renderer"), { recursive: true });
    writeFileSync(join(dir, "renderer", "app.js"), "console.log(1)");
    const asset = await protocolHandler!({ url: "app://lab/app.js" });
    expect(asset.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(await asset.text()).toBe("file");
    // A call from the page travels IPC -> main -> utility process -> SQLite and back.
    expect(await ipc.ipcRenderer.invoke("lab:settings.get", {})).toMatchObject({ ok: true, value: { device: "cpu", llmApiKeySet: false } });
    expect(await ipc.ipcRenderer.invoke("lab:experiments.create", { name: "x", kind: "diagnostic.counter", config: {} })).toMatchObject({
      ok: true,
      value: { id: 1 },
    });
    // Every new web contents is hardened: an off-list link is dropped silently, a listed one asks first
    // (the fake user answers Cancel, so nothing opens); its file grants go when it is destroyed.
    const contents = fakeWebContents();
    appListeners.get("web-contents-created")!({}, contents.contents);
    expect(contents.open("https://evil.example/")).toEqual({ action: "deny" });
    expect(contents.open("https://arxiv.org/abs/2210.10760")).toEqual({ action: "deny" });
    await new Promise((res) => setTimeout(res, 10));
    expect(log.filter((l) => l.startsWith("prompt:") || l.startsWith("external:"))).toEqual(["prompt:https://arxiv.org/abs/2210.10760"]);
    expect(contents.listeners.has("destroyed")).toBe(true);
    // Quitting stops the runtime and exits.
    appListeners.get("before-quit")!({ preventDefault: () => log.push("prevented") });
    for (let i = 0; i < 1000 && !log.includes("exit"); i++) await new Promise((res) => setTimeout(res, 10));
    expect(log).toContain("prevented");
    expect(log).toContain("exit");
    expect(await started_.service.exited).toBe("exit code 0");
    expect(existsSync(labJson)).toBe(false);
  });
});
