// Export PDF through the fake electron module: the real preload bridge, an in-process ipcMain,
// a real lab (service + SQLite) holding the report, and a recording stand-in for the hidden
// BrowserWindow (printToPDF itself needs Chromium; the e2e prints the same HTML there).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLabBridge } from "../preload/bridge.ts";
import { type LabRuntime, openLabRuntime } from "../service/runtime.ts";
import { waitForStatus } from "../service/testing/wait-for.ts";
import { REPORT_PDF_CHANNEL } from "../shared/lab-channels.ts";
import type { IpcMain, IpcMainInvokeEvent, IpcRenderer } from "./electron-types.ts";
import { type PdfWindow, pdfWindowOptions, registerReportPdf } from "./report-pdf.ts";

const runtimes: LabRuntime[] = [];
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
});

function fakeIpc(senderUrl: string) {
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const ipcMain: IpcMain = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const ipcRenderer: IpcRenderer = {
    invoke: async (channel, ...args) =>
      structuredClone(
        await handlers.get(channel)!({ senderFrame: { url: senderUrl }, sender: { id: 1 } }, ...args.map((a) => structuredClone(a))),
      ),
    on: () => undefined,
    removeListener: () => undefined,
  };
  return { ipcMain, ipcRenderer, handlers };
}

/** A hidden window that records what it loaded and how it was printed. */
function recordingWindows(options: { failPrint?: boolean } = {}) {
  const opened: { url: string | null; printed: unknown; destroyed: boolean }[] = [];
  const openWindow = (): PdfWindow => {
    const w = { url: null as string | null, printed: null as unknown, destroyed: false };
    opened.push(w);
    return {
      loadURL: async (url) => void (w.url = url),
      webContents: {
        printToPDF: async (o) => {
          if (options.failPrint) throw new Error("printing failed");
          w.printed = o;
          return new TextEncoder().encode(`%PDF-1.7 of ${w.url!.length} chars`);
        },
      },
      destroy: () => void (w.destroyed = true),
    };
  };
  return { opened, openWindow };
}

async function labWithReport(): Promise<{ runtime: LabRuntime; reportId: number; html: string }> {
  const runtime = openLabRuntime({ dbFile: join(mkdtempSync(join(tmpdir(), "goodhart-pdf-")), "lab.sqlite") });
  runtimes.push(runtime);
  const api = runtime.service;
  const experiment = await api.experiments.create({ name: "pdf", kind: "diagnostic.counter", config: { steps: 5, stepMs: 0 } });
  const run = await api.runs.start({ experimentId: experiment.id });
  await waitForStatus(api, run.id, ["done"]);
  const report = await api.reports.create({ runIds: [run.id], title: "PDF report" });
  return { runtime, reportId: report.id, html: report.html };
}

describe("Export PDF (reports:pdf)", () => {
  it("prints the stored report's HTML in a hidden window and hands the bytes to the page", async () => {
    const { runtime, reportId, html } = await labWithReport();
    const ipc = fakeIpc("app://lab/index.html");
    const windows = recordingWindows();
    const dispose = registerReportPdf({ ipcMain: ipc.ipcMain, api: runtime.service, openWindow: windows.openWindow });
    const bridge = createLabBridge(ipc.ipcRenderer, { getPathForFile: () => "" });

    const pdf = await bridge.printReportPdf!(reportId);
    expect(new TextDecoder().decode(pdf)).toMatch(/^%PDF-1\.7 of \d+ chars$/);
    expect(windows.opened).toHaveLength(1);
    const w = windows.opened[0]!;
    const loaded = Buffer.from(w.url!.replace(/^data:text\/html;charset=utf-8;base64,/, ""), "base64").toString("utf8");
    expect(loaded).toBe(html);
    expect(loaded).toContain("@media print");
    expect(w.printed).toEqual({ printBackground: true, pageSize: "A4", preferCSSPageSize: true });
    expect(w.destroyed).toBe(true);
    // Nothing runs in the hidden window: no JavaScript, no preload, no Node.
    expect(pdfWindowOptions().webPreferences).toMatchObject({
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    expect(pdfWindowOptions().webPreferences).not.toHaveProperty("preload");

    dispose();
    expect(ipc.handlers.has(REPORT_PDF_CHANNEL)).toBe(false);
  });

  it("refuses other frames, bad ids and unknown reports with clear errors, and closes the window when printing fails", async () => {
    const { runtime, reportId } = await labWithReport();
    const foreign = fakeIpc("https://evil.example/");
    registerReportPdf({ ipcMain: foreign.ipcMain, api: runtime.service, openWindow: recordingWindows().openWindow });
    await expect(createLabBridge(foreign.ipcRenderer, { getPathForFile: () => "" }).printReportPdf!(reportId)).rejects.toThrow(
      /refused a call from https:\/\/evil\.example\//,
    );

    const ipc = fakeIpc("app://lab/index.html");
    const failing = recordingWindows({ failPrint: true });
    registerReportPdf({ ipcMain: ipc.ipcMain, api: runtime.service, openWindow: failing.openWindow });
    const bridge = createLabBridge(ipc.ipcRenderer, { getPathForFile: () => "" });
    await expect(bridge.printReportPdf!(0)).rejects.toThrow(/needs a report id \(a positive integer\), got 0/);
    await expect(bridge.printReportPdf!(999)).rejects.toThrow(/Report 999 does not exist/);
    await expect(bridge.printReportPdf!(reportId)).rejects.toThrow(`Report ${reportId} could not be printed to PDF: printing failed`);
    expect(failing.opened.map((w) => w.destroyed)).toEqual([true]);
  });
});
