// Electron's entry (package.json "main"). The sources are TypeScript without a build step, so tsx
// is registered first. Electron waits for this module's top-level awaits before emitting `ready`,
// so startElectronApp is not awaited here (it waits for `ready` itself); it registers the app
// scheme synchronously, before its first await, and reports its own failures in a dialog.
import * as electron from "electron";
import { register } from "tsx/esm/api";

register();
try {
  const { startElectronApp } = await import("./main.ts");
  void startElectronApp(electron);
} catch (err) {
  // The main process's code itself failed to load: no log file yet, but still a dialog.
  console.error("Goodhart Lab failed to start:", err);
  electron.dialog.showErrorBox("Goodhart Lab could not start", err instanceof Error ? err.message : String(err));
  electron.app.exit(1);
}
