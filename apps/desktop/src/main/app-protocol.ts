/**
 * The renderer is served from `app://lab/` rather than file://, so the page has a real origin:
 * the CSP's 'self' means exactly the app's files, and navigation checks compare one origin.
 */
import { extname, resolve, sep } from "node:path";

export const APP_SCHEME = "app";
export const APP_ORIGIN = `${APP_SCHEME}://lab`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** Privileges registered before app ready: a standard, secure scheme that fetch may use. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
};

/** The file an `app://lab/...` request maps to, or null when it is not ours or escapes the renderer folder. */
export function resolveAppRequest(requestUrl: string, rendererDir: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== "lab") return null;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (path.includes("\0")) return null;
  if (path === "/" || path === "") path = "/index.html";
  // Client-side routes (no extension) load the app shell.
  if (extname(path) === "") path = "/index.html";
  const base = resolve(rendererDir);
  const file = resolve(base, `.${path}`);
  return file.startsWith(base + sep) ? file : null;
}

/** True when a URL belongs to the app (the only place the window may navigate). */
export function isAppUrl(url: string): boolean {
  try {
    return new URL(url).origin === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}
