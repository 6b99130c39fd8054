// The renderer's entry: connect to the lab, build the state, mount the app.
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { mount } from "svelte";
import App from "./App.svelte";
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
  // Electron hands dropped files over with their path (older versions) or not at all (sandbox).
  const path = (file as File & { path?: string }).path;
  return path ? Promise.resolve(path) : Promise.reject(new Error(`The desktop app cannot read the path of ${file.name}; import it with \`goodhart import <file>\`.`));
};

mount(App, {
  target: document.getElementById("app")!,
  props: { lab, router: new Router(), theme: new Theme(), importer: new Importer(api, toPath) },
});
