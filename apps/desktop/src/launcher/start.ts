import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { findElectronBinary } from "./electron-binary.ts";

/** `npm start`: the Electron app when its binary is installed, browser mode otherwise. */
export async function start(): Promise<number> {
  const electron = findElectronBinary();
  if (electron.found) {
    const appDir = fileURLToPath(new URL("../..", import.meta.url));
    const child = spawn(electron.path, [appDir], { stdio: "inherit" });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  }
  console.log(`Electron is not available: ${electron.reason}.`);
  console.log("Starting browser mode: the lab served on 127.0.0.1 with a per-launch token.");
  const { startBrowserMode } = await import("./browser-mode.ts");
  return startBrowserMode();
}
