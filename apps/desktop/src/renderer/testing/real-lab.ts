/**
 * Component tests talk to a real lab: the service on a fresh SQLite file behind the browser-mode
 * server, in a child process, reached through the same HTTP + SSE client the renderer uses in
 * browser mode. Test-only: these tests run in Node (jsdom supplies the DOM), so Node built-ins are
 * fine here and nowhere else in the renderer.
 */
/* eslint-disable no-restricted-imports -- test helper: runs in Node, never bundled */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
/* eslint-enable no-restricted-imports */
import { fixturePath } from "../../../../../fixtures/index.ts";
import { type HttpLabClient, type LabApi, createHttpLabClient } from "../../shared/index.ts";

export interface RealLab {
  api: LabApi;
  dir: string;
  /** Uploads a dropped File to the lab, as the page does; returns its grant id for `datasets.import`. */
  toPath(file: File): Promise<string>;
  close(): Promise<void>;
}

// The DOM test environment serves modules from an http: URL; its path is still the file's path.
const here = dirname(decodeURIComponent(new URL(import.meta.url).pathname).replace(/^\/@fs/, ""));

/** A fixture's bytes (see fixtures/README.md), e.g. `preference/stack_exchange_paired_tiny.json`. */
export function readFixture(relativePath: string): Uint8Array<ArrayBuffer> {
  const bytes = readFileSync(fixturePath(relativePath));
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/**
 * Starts a lab on a fresh database file in a child process and connects to it; `toyKind` registers
 * the test-only toy experiment kind (service/testing/toy-kind).
 */
export async function openRealLab(options: { toyKind?: boolean } = {}): Promise<RealLab> {
  const dir = mkdtempSync(join(tmpdir(), "goodhart-renderer-"));
  const args = [join(here, "lab-process.ts"), join(dir, "lab.sqlite"), ...(options.toyKind ? ["--toy-kind"] : [])];
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`the test lab exited with code ${code} before listening`)));
  });
  const client: HttpLabClient = createHttpLabClient({ baseUrl: url, token, reconnectMs: 200 });
  await client.eventsReady();
  return {
    api: client.api,
    dir,
    async toPath(file) {
      // As the page does in browser mode: the server accepts dataset files only as upload grants.
      return (await client.upload(file.name, new Uint8Array(await file.arrayBuffer()))).path;
    },
    async close() {
      client.close();
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
