/**
 * LabApi over HTTP + server-sent events for browser mode and e2e tests (plain node:http).
 *
 * - Bound to 127.0.0.1 only, random port by default.
 * - Every request needs the per-launch token: `Authorization: Bearer <token>`, or the HttpOnly
 *   SameSite=Strict session cookie that a first page load with `/?token=<token>` sets (it then
 *   redirects to `/`, dropping the token from the address bar and history). The cookie's name
 *   carries the port: cookies ignore ports, so two labs on 127.0.0.1 would otherwise overwrite
 *   each other's session ("wrong token") and each read the other's token.
 * - A refused request gets `Connection: close` and its socket is destroyed once the answer is
 *   written: an unauthenticated client cannot keep a connection (or an unread body) open.
 * - Files reach `datasets.detect` / `datasets.import` only as upload grants: the page never names a
 *   path on this machine (see service/file-grants.ts). Uploads live in a folder of their own per
 *   launch and are deleted after a successful import, and all of them when the server closes.
 * - Host must be 127.0.0.1:<port> or localhost:<port>; Origin, when sent, must match (DNS
 *   rebinding and cross-site requests are refused).
 * - JSON calls must be application/json and at most `maxJsonBytes`; uploads have their own limit.
 *
 * Routes: `POST /api/<service>.<method>` (JSON in, `{ok, value|error}` out), `GET /api/events`
 * (SSE: `event: ready`, then `event: lab` with one LabEvent per message, in emission order),
 * `POST /api/upload?name=<file>` (raw bytes -> `{ok, value: {path, bytes}}`, where `path` is the
 * upload's grant id to pass to datasets.detect / datasets.import), and
 * everything else: the built renderer.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { answerLabCall } from "../shared/boundary.ts";
import { FileGrants, withFileGrants } from "../service/file-grants.ts";
import { CONTENT_SECURITY_POLICY } from "../shared/csp.ts";
import type { Dispose, LabApi, LabEvent } from "../shared/lab-api.ts";
import { HttpError, readJsonBody } from "./body.ts";
import { checkHostAndOrigin, newToken, presentedToken, sessionCookie, sessionCookieName, tokensEqual } from "./security.ts";
import { serveStatic } from "./static-files.ts";
import { type UploadFolder, createUploadFolder } from "./upload-folder.ts";

export interface LabServerOptions {
  api: LabApi;
  /** Every LabApi event, forwarded to SSE clients. */
  subscribe: (listener: (event: LabEvent) => void) => Dispose;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
  /** The built renderer; a placeholder page is served when it is missing. */
  staticDir?: string | null;
  /** Default 1 MiB. */
  maxJsonBytes?: number;
  /**
   * The folder under which this launch keeps its uploads (in a subfolder of its own, removed on
   * close); uploads are refused when unset.
   */
  uploadDir?: string | null;
  /** Default 2 GiB. */
  maxUploadBytes?: number;
  /** Seconds between SSE keep-alive comments (default 15). */
  keepAliveSeconds?: number;
  /** Extra exact origins allowed to call (development only, e.g. `http://localhost:5173`). */
  devOrigins?: readonly string[];
}

export interface LabServer {
  url: string;
  /** The URL to open in a browser: it carries the token once, then a cookie takes over. */
  launchUrl: string;
  port: number;
  token: string;
  /** The name of this launch's session cookie (it carries the port). */
  cookieName: string;
  /** This launch's upload folder, or null when uploads are off. */
  uploadFolder: string | null;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};
const PAGE_HEADERS = { ...SECURITY_HEADERS, "content-security-policy": CONTENT_SECURITY_POLICY, "cache-control": "no-cache" };
const API_HEADERS = { ...SECURITY_HEADERS, "cache-control": "no-store" };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...API_HEADERS, "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}

/**
 * Answers an error and closes the connection: a refused client (no token, foreign origin, a body
 * too large and left unread) gets no kept-alive socket to try again on.
 */
function refuse(res: ServerResponse, status: number, message: string): void {
  res.setHeader("connection", "close");
  res.once("finish", () => res.socket?.destroy());
  sendJson(res, status, { ok: false, error: { name: "HttpError", message } });
}

/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const token = options.token ?? newToken();
  const maxJson = options.maxJsonBytes ?? 1024 * 1024;
  const maxUpload = options.maxUploadBytes ?? 2 * 1024 ** 3;
  const streams = new Set<ServerResponse>();
  let port = 0;
  let cookieName = "";
  const uploads: UploadFolder | null = options.uploadDir ? createUploadFolder(options.uploadDir) : null;
  // What the page may call: dataset files only through the grants its uploads received.
  const grants = new FileGrants();
  const pageApi = withFileGrants(options.api, grants);

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    if (path === "/api/events") {
      if (req.method !== "GET") return refuse(res, 405, "use GET for the event stream");
      return openEventStream(req, res);
    }
    if (path === "/api/upload") {
      if (req.method !== "POST") return refuse(res, 405, "use POST to upload");
      return upload(req, res, url);
    }
    if (req.method !== "POST") return refuse(res, 405, "LabApi calls use POST");
    const methodName = path.slice("/api/".length);
    const input = await readJsonBody(req, maxJson);
    const answer = await answerLabCall(pageApi, methodName, input);
    sendJson(res, 200, answer);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...API_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    res.flushHeaders();
    let id = 0;
    // One listener per stream; node:http writes in call order, so events arrive in emission order.
    const dispose = options.subscribe((event) => {
      res.write(`id: ${++id}\nevent: lab\ndata: ${JSON.stringify(event)}\n\n`);
    });
    res.write("event: ready\ndata: {}\n\n");
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), (options.keepAliveSeconds ?? 15) * 1000);
    streams.add(res);
    const close = (): void => {
      clearInterval(keepAlive);
      dispose();
      streams.delete(res);
    };
    req.on("close", close);
    res.on("close", close);
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!uploads) return refuse(res, 404, "uploads are not enabled on this server");
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/octet-stream") throw new HttpError(415, "uploads must be sent as application/octet-stream");
    const name = basename(url.searchParams.get("name") ?? "").replace(/[^\w.-]/g, "_");
    if (!name || name.startsWith(".")) throw new HttpError(400, "upload needs ?name=<file name> with an extension (e.g. data.jsonl)");
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxUpload)
      throw new HttpError(413, `upload of ${declared} bytes exceeds the limit of ${maxUpload} bytes`);
    const target = join(uploads.dir, `${randomBytes(6).toString("hex")}-${name}`);
    let size = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > maxUpload ? new HttpError(413, `upload exceeds the limit of ${maxUpload} bytes`) : null, chunk);
      },
    });
    try {
      await pipeline(req, limiter, createWriteStream(target, { flags: "wx" }));
    } catch (err) {
      await rm(target, { force: true });
      throw err;
    }
    // The page gets the grant id, never the path on this machine.
    sendJson(res, 200, { ok: true, value: { path: grants.grant(target, { upload: true }), bytes: size } });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = checkHostAndOrigin(req, port, options.devOrigins);
    if (refusal) return refuse(res, 403, `refused: ${refusal}`);
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    const path = url.pathname;
    const queryToken = url.searchParams.get("token");
    // First page load: trade the token in the URL for the session cookie, then drop it from the URL.
    if (queryToken !== null && req.method === "GET" && !path.startsWith("/api/")) {
      if (!tokensEqual(queryToken, token)) return refuse(res, 401, "wrong token: open the URL printed by `npm start`");
      url.searchParams.delete("token");
      res.writeHead(303, { ...PAGE_HEADERS, "set-cookie": sessionCookie(cookieName, token), location: `${path}${url.search}` }).end();
      return;
    }
    const given = presentedToken(req, cookieName);
    if (given === undefined) return refuse(res, 401, "missing token: open the URL printed by `npm start` (it carries ?token=...)");
    if (!tokensEqual(given, token))
      return refuse(res, 401, "wrong token: open the URL this launch printed (the page or client holds one from an earlier launch)");
    if (path.startsWith("/api/")) return handleApi(req, res, path, url);
    if (req.method !== "GET" && req.method !== "HEAD") return refuse(res, 405, "pages are read with GET");
    return serveStatic(options.staticDir ?? null, path, res, PAGE_HEADERS);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) refuse(res, status, message);
      else res.destroy();
    });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads and event streams are long; the per-stream limits above apply
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  cookieName = sessionCookieName(port);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    launchUrl: `${url}/?token=${token}`,
    port,
    token,
    cookieName,
    uploadFolder: uploads?.dir ?? null,
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Uploads not imported yet are the user's copies, not the lab's: nothing keeps them.
      await grants.releaseAll();
      uploads?.remove();
    },
  };
}
