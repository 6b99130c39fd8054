// Electron's entry (package.json "main"). The sources are TypeScript without a build step, so tsx
// is registered first. Electron waits for this module's top-level awaits before emitting `ready`,
// and runElectronMain registers the app scheme synchronously, before its first await.
import * as electron from "electron";
import { register } from "tsx/esm/api";

register();
const { runElectronMain } = await import("./main.ts");
runElectronMain(electron).catch((err) => {
  console.error("Goodhart Lab failed to start:", err);
  electron.app.exit(1);
});
