import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { findElectronBinary } from "./electron-binary.ts";
import { forwardWithoutNoise } from "./quiet-output.ts";

/** `npm start`: the Electron app when its binary is installed, browser mode otherwise. */
export async function start(): Promise<number> {
  const electron = findElectronBinary();
  if (electron.found) {
    const appDir = fileURLToPath(new URL("../..", import.meta.url));
    // Chromium's GPU/Vulkan probing chatter is dropped from Electron's stderr; the rest passes through.
    const child = spawn(electron.path, [appDir], { stdio: ["inherit", "inherit", "pipe"] });
    forwardWithoutNoise(child.stderr!, (text) => void process.stderr.write(text));
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  }
  console.log(`Electron is not available: ${electron.reason}.`);
  console.log("Starting browser mode: the lab served on 127.0.0.1 with a per-launch token.");
  const { startBrowserMode } = await import("./browser-mode.ts");
  return startBrowserMode();
}
