/** Serves the built renderer (apps/desktop/dist/renderer), or a placeholder page when it is not built. */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Goodhart Lab</title></head>
<body><h1>Goodhart Lab</h1>
<p>The lab server is running, but the user interface is not built yet (apps/desktop/dist/renderer is missing).</p>
<p>The LabApi is available under <code>/api/&lt;service&gt;.&lt;method&gt;</code> and the CLI works: <code>npx goodhart --help</code>.</p>
</body></html>
`;

/** Resolves a URL path inside root; null if it escapes root. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const full = resolve(root, `.${sep}${normalize(decoded)}`);
  const base = resolve(root);
  return full === base || full.startsWith(base + sep) ? full : null;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Sends the file for urlPath; unknown paths without an extension get index.html (client-side routes). */
export async function serveStatic(
  root: string | null,
  urlPath: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const index = root ? join(root, "index.html") : null;
  if (!root || !index || !(await isFile(index))) {
    res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" }).end(PLACEHOLDER_PAGE);
    return;
  }
  let file = resolveInside(root, urlPath === "/" ? "/index.html" : urlPath);
  if (file && !(await isFile(file))) file = extname(file) === "" ? index : null;
  if (!file) {
    res.writeHead(404, { ...headers, "content-type": "text/plain; charset=utf-8" }).end("Not found\n");
    return;
  }
  res.writeHead(200, { ...headers, "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream" });
  createReadStream(file).pipe(res);
}
