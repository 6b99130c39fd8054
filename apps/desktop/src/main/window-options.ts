/** The options of the lab's window: every isolation Electron offers on, every Node door closed. */
import type { BrowserWindowOptions } from "./electron-types.ts";

export function mainWindowOptions(preloadPath: string, options: { devTools?: boolean } = {}): BrowserWindowOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    // Shown on ready-to-show, so the user never sees an unstyled flash.
    show: false,
    title: "Goodhart Lab",
    backgroundColor: "#ffffff",
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Dropping a file must not navigate the window away; the renderer handles drops itself.
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools ?? false,
    },
  };
}
