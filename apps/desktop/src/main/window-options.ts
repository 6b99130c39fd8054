/**
 * The lab's window: every isolation Electron offers on, every Node door closed. The options are
 * written as a literal at the `new BrowserWindow` call so static scanners (Electronegativity) see
 * them; tests read them back through a recording constructor.
 */
import type { BrowserWindowOptions } from "./electron-types.ts";

/** Creates the main window with `BrowserWindow` (the real class, or a test's recorder). */
export function createMainWindow<W>(
  BrowserWindow: new (options: BrowserWindowOptions) => W,
  preloadPath: string,
  options: { devTools?: boolean } = {},
): W {
  return new BrowserWindow({
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
      // Middle-click must not open links in new windows (window.open is denied anyway).
      disableBlinkFeatures: "Auxclick",
      // Dropping a file must not navigate the window away; the renderer handles drops itself.
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools ?? false,
    },
  });
}

/** The options createMainWindow passes to BrowserWindow. */
export function mainWindowOptions(preloadPath: string, options: { devTools?: boolean } = {}): BrowserWindowOptions {
  let captured: BrowserWindowOptions | undefined;
  createMainWindow(
    class {
      constructor(o: BrowserWindowOptions) {
        captured = o;
      }
    },
    preloadPath,
    options,
  );
  return captured!;
}
