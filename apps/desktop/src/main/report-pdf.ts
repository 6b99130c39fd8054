/**
 * Export PDF (Electron): the page asks for a stored report as PDF; the main process loads the
 * report's self-contained HTML into a hidden, sandboxed window with JavaScript off and prints it
 * with `webContents.printToPDF`, which applies the report's print stylesheet (A4, paper layout).
 * The page gets the PDF bytes and saves them like any other download; it never names a file path.
 */
import { REPORT_PDF_CHANNEL } from "../shared/lab-channels.ts";
import type { LabResponse } from "../shared/boundary.ts";
import type { Dispose, LabApi } from "../shared/lab-api.ts";
import { isAppUrl } from "./app-protocol.ts";
import type { IpcMain, IpcMainInvokeEvent } from "./electron-types.ts";

/** What Export PDF needs of a BrowserWindow. */
export interface PdfWindow {
  loadURL(url: string): Promise<void>;
  webContents: {
    printToPDF(options: {
      printBackground: boolean;
      pageSize: string;
      preferCSSPageSize: boolean;
      margins?: { marginType: "default" | "none" };
    }): Promise<Uint8Array>;
  };
  destroy(): void;
}

export interface ReportPdfOptions {
  ipcMain: IpcMain;
  api: Pick<LabApi, "reports">;
  /** A new hidden window to print in (createPdfWindow). */
  openWindow: () => PdfWindow;
  isTrustedSender?: (event: IpcMainInvokeEvent) => boolean;
}

/** The hidden window's options (a subset of Electron's BrowserWindow options). */
export interface PdfWindowOptions {
  width: number;
  height: number;
  show: boolean;
  webPreferences: Record<string, boolean>;
}

/**
 * A hidden window to print in: nothing runs in it (JavaScript off), no preload, no Node. The
 * options are a literal at the `new BrowserWindow` call so static scanners (Electronegativity) see them.
 */
export function createPdfWindow<W>(BrowserWindow: new (options: PdfWindowOptions) => W): W {
  return new BrowserWindow({
    width: 900,
    height: 1200,
    show: false,
    webPreferences: {
      javascript: false,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      devTools: false,
      spellcheck: false,
    },
  });
}

/** The options createPdfWindow passes to BrowserWindow. */
export function pdfWindowOptions(): PdfWindowOptions {
  let captured: PdfWindowOptions | undefined;
  createPdfWindow(
    class {
      constructor(o: PdfWindowOptions) {
        captured = o;
      }
    },
  );
  return captured!;
}

/** Registers the `reports:pdf` handler; returns a function removing it. */
export function registerReportPdf(options: ReportPdfOptions): Dispose {
  const trusted = options.isTrustedSender ?? ((event: IpcMainInvokeEvent) => event.senderFrame !== null && isAppUrl(event.senderFrame.url));
  options.ipcMain.handle(REPORT_PDF_CHANNEL, async (event, id): Promise<LabResponse> => {
    if (!trusted(event))
      return {
        ok: false,
        error: {
          name: "ForbiddenError",
          message: `${REPORT_PDF_CHANNEL}: refused a call from ${event.senderFrame?.url ?? "an unknown frame"}`,
        },
      };
    if (typeof id !== "number" || !Number.isInteger(id) || id < 1)
      return {
        ok: false,
        error: {
          name: "ValidationError",
          message: `${REPORT_PDF_CHANNEL} needs a report id (a positive integer), got ${JSON.stringify(id)}.`,
        },
      };
    let html: string;
    try {
      html = (await options.api.reports.get({ id })).html;
    } catch (err) {
      return {
        ok: false,
        error: { name: err instanceof Error ? err.name : "Error", message: err instanceof Error ? err.message : String(err) },
      };
    }
    const win = options.openWindow();
    try {
      // A data: URL keeps the report off disk; its own CSP (no scripts, no network) still applies.
      await win.loadURL(`data:text/html;charset=utf-8;base64,${Buffer.from(html, "utf8").toString("base64")}`);
      const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: "A4", preferCSSPageSize: true });
      return { ok: true, value: new Uint8Array(pdf) };
    } catch (err) {
      return {
        ok: false,
        error: { name: "Error", message: `Report ${id} could not be printed to PDF: ${err instanceof Error ? err.message : String(err)}` },
      };
    } finally {
      win.destroy();
    }
  });
  return () => options.ipcMain.removeHandler(REPORT_PDF_CHANNEL);
}
