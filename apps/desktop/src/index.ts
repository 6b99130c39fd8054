export { startBrowserMode, type BrowserModeOptions } from "./launcher/browser-mode.ts";
