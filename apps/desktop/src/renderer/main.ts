// The renderer's entry: connect to the lab, build the state, mount the app.
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { BRIDGE_GLOBAL, type LabBridge } from "../shared/index.ts";
import { connectLab } from "./lib/lab-connection.ts";
import { uploadFile } from "./lib/upload.ts";
import { Importer } from "./state/importer.svelte.ts";
import { LabState } from "./state/lab-state.svelte.ts";
import { Router } from "./state/router.svelte.ts";
import { Theme } from "./state/theme.svelte.ts";

const { api, mode } = connectLab();
const lab = new LabState(api);
const toPath = (file: File, onProgress: (p: { loaded: number; total: number }) => void): Promise<string> => {
  if (mode === "browser") return uploadFile(file, onProgress);
  // Electron: the preload turns a dropped or picked file into a grant id (File.path is gone since
  // Electron 32, and the page never holds a path the main process would read).
  return (window as unknown as Record<string, LabBridge>)[BRIDGE_GLOBAL]!.grantFile(file);
};

// A dropped dataset folder: Electron's main process grants the folder itself; browser mode has
// no folder grant and uploads the folder's files instead.
const folderToPath =
  mode === "browser" ? undefined : (folder: File) => (window as unknown as Record<string, LabBridge>)[BRIDGE_GLOBAL]!.grantFile(folder);

mount(App, {
  target: document.getElementById("app")!,
  props: { lab, router: new Router(), theme: new Theme(), importer: new Importer(api, toPath, folderToPath) },
});
