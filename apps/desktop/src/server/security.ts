/**
 * The browser-mode server's request checks. A page on any other site can make the user's browser
 * send requests to 127.0.0.1, and DNS rebinding can make such a page same-origin with a name that
 * resolves to 127.0.0.1; so every request must carry the per-launch token, name our exact host
 * and port, and, when it says where it comes from, come from our own origin.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Name of the session cookie set after the first page load with `?token=`. Cookies ignore ports,
 * so every lab on 127.0.0.1 sees every other lab's cookies: with one shared name, opening a second
 * lab overwrote the first one's session, and each server read the other's token. The port in the
 * name keeps each launch to its own cookie (a later launch on the same port replaces it).
 */
export function sessionCookieName(port: number): string {
  return `goodhart_session_${port}`;
}

/** A fresh unguessable token (256 bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time comparison, so response timing does not leak the token byte by byte. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The hosts a request may name: the loopback address or localhost, on our port only. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * Null when the request's Host and Origin are ours, else why not. `extraOrigins` admits named
 * development origins (e.g. the renderer's Vite dev server, `http://localhost:5173`), never a
 * wildcard.
 */
export function checkHostAndOrigin(req: IncomingMessage, port: number, extraOrigins: readonly string[] = []): string | null {
  const hosts = allowedHosts(port);
  const host = req.headers.host;
  if (!host || !hosts.includes(host.toLowerCase())) return `foreign Host header '${host ?? ""}'`;
  const origin = req.headers.origin;
  const origins = [...hosts.map((h) => `http://${h}`), ...extraOrigins.map((o) => o.toLowerCase())];
  if (origin !== undefined && !origins.includes(origin.toLowerCase())) return `foreign Origin '${origin}'`;
  // Browsers that send Fetch Metadata say so outright when a request is cross-site.
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site") return "cross-site request";
  return null;
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token the request presents: `Authorization: Bearer`, else the session cookie named `cookieName`. */
export function presentedToken(req: IncomingMessage, cookieName: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice("Bearer ".length).trim();
  return cookieValue(req, cookieName);
}

/** The Set-Cookie value of the session: HttpOnly (no script reads it), SameSite=Strict (no cross-site send). */
export function sessionCookie(name: string, token: string): string {
  return `${name}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
