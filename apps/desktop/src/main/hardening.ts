/**
 * Session and web-contents hardening: the CSP header on every response, navigation and new
 * windows blocked (links on the allow-list of external-links.ts go to the user's browser
 * instead, after a prompt), webviews refused, and a permission handler that denies everything not
 * explicitly allowed (the lab needs none).
 */
import { CONTENT_SECURITY_POLICY } from "../shared/csp.ts";
import { isAppUrl } from "./app-protocol.ts";
import type { HeadersReceivedDetails, Session, WebContents } from "./electron-types.ts";
import { isAllowedExternalLink } from "./external-links.ts";

/** Permissions the renderer may have; empty: the lab needs no camera, microphone, geolocation, notifications... */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** Adds the CSP to a response's headers, replacing any the response carried. */
export function withCspHeader(details: HeadersReceivedDetails): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
    if (name.toLowerCase() !== "content-security-policy") headers[name] = value;
  }
  headers["Content-Security-Policy"] = [CONTENT_SECURITY_POLICY];
  headers["X-Content-Type-Options"] = ["nosniff"];
  return headers;
}

/** Applies the CSP header and the deny-by-default permission handlers to a session. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCspHeader(details) }));
  session.setPermissionRequestHandler((_wc, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_wc, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.setDevicePermissionHandler?.(() => false);
}

/**
 * Blocks navigation away from the app, new windows and webviews in one web contents; a new-window
 * request for an allowed link is passed to `openExternal` (which asks the user first).
 */
export function hardenWebContents(contents: WebContents, openExternal: (url: string) => void): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on("will-navigate", guard);
  contents.on("will-redirect", guard);
  contents.on("will-attach-webview", (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalLink(url)) openExternal(url);
    return { action: "deny" };
  });
}
