/**
 * The names that cross the Electron bridge, with no schema library attached: the sandboxed
 * preload imports only this file, so the privileged bundle stays a few kilobytes. The list must
 * equal the method table of lab-api.ts (a test checks it).
 */

/** Every LabApi method as `<service>.<method>`, in table order. */
export const LAB_METHOD_NAMES: readonly string[] = [
  "datasets.list",
  "datasets.get",
  "datasets.import",
  "datasets.detect",
  "datasets.examples",
  "datasets.remove",
  "labels.list",
  "labels.add",
  "labels.stats",
  "labels.remove",
  "labels.agreement",
  "labels.createComparisons",
  "labels.createSynthetic",
  "labels.estimateLlm",
  "labels.startLlm",
  "labels.llmJob",
  "labels.cancelLlm",
  "kinds.list",
  "kinds.expand",
  "presets.list",
  "experiments.kinds",
  "experiments.create",
  "experiments.list",
  "experiments.get",
  "runs.start",
  "runs.list",
  "runs.get",
  "runs.cancel",
  "runs.resume",
  "runs.samples",
  "runs.fits",
  "runs.result",
  "runs.metrics",
  "runs.import",
  "runs.rescore",
  "curves.get",
  "curves.export",
  "compare.runs",
  "reports.create",
  "reports.list",
  "reports.get",
  "settings.get",
  "settings.update",
  "settings.setLlmApiKey",
  "settings.clearLlmApiKey",
  "devices.list",
  "models.list",
  "models.import",
  "models.initChoices",
];

/** The global the preload defines in the page. */
export const BRIDGE_GLOBAL = "goodhartLab";

/** The IPC channel carrying every event. */
export const LAB_EVENT_CHANNEL = "lab:event";

/**
 * The IPC channel on which the preload asks for a grant to a file the user dropped or picked: the
 * page gets an opaque id for `datasets.detect` / `datasets.import`, never the path.
 */
export const FILE_GRANT_CHANNEL = "files:grant";

/** The IPC channel on which the page asks the main process for a stored report as PDF (Electron's Export PDF). */
export const REPORT_PDF_CHANNEL = "reports:pdf";

/** The IPC channel of a method. */
export function labChannel(methodName: string): string {
  return `lab:${methodName}`;
}
