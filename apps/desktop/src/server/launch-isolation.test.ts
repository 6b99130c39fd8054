/**
 * What keeps one browser-mode launch to itself: its session cookie (named for its port, so a second
 * lab on 127.0.0.1 neither logs it out nor reads its token), refused requests that close their
 * connection, dataset files only through upload grants (a made-up path is refused), and uploads
 * deleted after import and when the server closes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabService, createLabService } from "../service/lab-service.ts";
import { type LabServer, startLabServer } from "./lab-server.ts";
import { removeStaleUploads } from "./upload-folder.ts";

let dir: string;
let store: LabStore;
let service: LabService;
const servers: LabServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "goodhart-isolation-"));
  store = openDatabase(join(dir, "lab.sqlite"));
  service = createLabService({ store, dataDir: join(dir, "data") });
});

afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  await service.close();
  store.close();
});

async function server(): Promise<LabServer> {
  const s = await startLabServer({ api: service, subscribe: service.subscribe, uploadDir: join(dir, "uploads") });
  servers.push(s);
  return s;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  s: LabServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: s.port,
        path,
        method: options.method ?? "GET",
        headers: { host: `127.0.0.1:${s.port}`, ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The browser's first visit: trades `?token=` for the session cookie; returns `name=value`. */
async function login(s: LabServer): Promise<string> {
  const answer = await call(s, `/?token=${s.token}`);
  expect(answer.status).toBe(303);
  return String(answer.headers["set-cookie"]).split(";")[0]!;
}

const jsonCall = (s: LabServer, method: string, input: unknown, headers: Record<string, string>) =>
  call(s, `/api/${method}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(input) });

async function upload(s: LabServer, name: string, bytes: string): Promise<string> {
  const answer = await call(s, `/api/upload?name=${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.token}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body).value.path as string;
}

const pairs = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `${tag} prompt ${i}?`, chosen: `good ${i}`, rejected: `bad ${i}` })).join(
    "\n",
  ) + "\n";

describe("session cookie per launch", () => {
  it("is named for the port, so two labs on 127.0.0.1 keep their own sessions side by side", async () => {
    const a = await server();
    const b = await server();
    expect(a.cookieName).toBe(`goodhart_session_${a.port}`);
    expect(b.cookieName).not.toBe(a.cookieName);
    const cookieA = await login(a);
    const cookieB = await login(b);
    expect(cookieA.startsWith(`${a.cookieName}=`)).toBe(true);
    // The browser sends every 127.0.0.1 cookie to both servers (cookies ignore ports).
    const jar = `${cookieA}; ${cookieB}`;
    expect((await jsonCall(a, "settings.get", {}, { cookie: jar })).status).toBe(200);
    expect((await jsonCall(b, "settings.get", {}, { cookie: jar })).status).toBe(200);
    // Lab B does not take lab A's cookie for its own, and the reverse.
    const foreign = await jsonCall(b, "settings.get", {}, { cookie: cookieA });
    expect(foreign.status).toBe(401);
    expect(JSON.parse(foreign.body).error.message).toMatch(/missing token/);
    // A cookie of an earlier launch on the same port is refused with a hint.
    const stale = await jsonCall(a, "settings.get", {}, { cookie: `${a.cookieName}=${"x".repeat(43)}` });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body).error.message).toMatch(/earlier launch/);
  });
});

describe("refused requests", () => {
  /** Sends raw HTTP/1.1 with keep-alive; resolves with what came back once the server closes the socket. */
  function rawKeepAlive(s: LabServer, head: string, timeoutMs = 5000): Promise<{ text: string; closedByServer: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(s.port, "127.0.0.1");
      let text = "";
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ text, closedByServer: false });
      }, timeoutMs);
      socket.on("data", (d) => (text += d.toString()));
      socket.on("close", () => {
        clearTimeout(timer);
        resolve({ text, closedByServer: true });
      });
      socket.on("error", reject);
      socket.write(head);
    });
  }

  it("close the connection (Connection: close, socket ended), while accepted ones keep it alive", async () => {
    const s = await server();
    const refused = await rawKeepAlive(
      s,
      `POST /api/settings.get HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(refused.closedByServer).toBe(true);
    expect(refused.text).toMatch(/^HTTP\/1\.1 401/);
    expect(refused.text.toLowerCase()).toContain("connection: close");
    const foreign = await rawKeepAlive(s, `GET / HTTP/1.1\r\nHost: evil.example:${s.port}\r\nConnection: keep-alive\r\n\r\n`);
    expect(foreign.closedByServer).toBe(true);
    expect(foreign.text).toMatch(/^HTTP\/1\.1 403/);
    // The control: an accepted call on a keep-alive connection is left open (the timeout ends it).
    const accepted = await rawKeepAlive(
      s,
      `POST /api/settings.get HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nAuthorization: Bearer ${s.token}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      1500,
    );
    expect(accepted.text).toMatch(/^HTTP\/1\.1 200/);
    expect(accepted.closedByServer).toBe(false);
  });
});

describe("dataset files from the page", () => {
  it("refuses a path the page made up: no detect, no import, nothing read back", async () => {
    const s = await server();
    const secret = join(dir, "home", ".ssh", "credentials");
    mkdirSync(join(dir, "home", ".ssh"), { recursive: true });
    // Shaped like a dataset, so the importer would take it if the path were let through.
    writeFileSync(secret, pairs(3, "SECRET"));
    const auth = { authorization: `Bearer ${s.token}` };
    const before = store.datasets.list().length;
    for (const method of ["datasets.detect", "datasets.import"]) {
      const answer = JSON.parse((await jsonCall(s, method, { path: secret }, auth)).body);
      expect(answer, method).toMatchObject({
        ok: false,
        error: {
          name: "ForbiddenError",
          message: expect.stringMatching(
            new RegExp(`^${method.replace(".", "\\.")}: '.*credentials' is not a file dropped, chosen or uploaded`),
          ),
        },
      });
    }
    // A grant id of another launch is no better than a path.
    const elsewhere = await server();
    const foreignGrant = await upload(elsewhere, "other.jsonl", pairs(2, "other"));
    expect(JSON.parse((await jsonCall(s, "datasets.import", { path: foreignGrant }, auth)).body)).toMatchObject({
      ok: false,
      error: { name: "ForbiddenError" },
    });
    expect(store.datasets.list().length).toBe(before);
  });

  it("detects and imports an upload, then deletes it; what is left is deleted when the server closes", async () => {
    const s = await server();
    const auth = { authorization: `Bearer ${s.token}` };
    const ref = await upload(s, "pairs.jsonl", pairs(4, "kept"));
    const leftover = await upload(s, "never-imported.jsonl", pairs(2, "left"));
    expect(readdirSync(s.uploadFolder!).length).toBe(2);
    const detected = JSON.parse((await jsonCall(s, "datasets.detect", { path: ref }, auth)).body);
    expect(detected).toMatchObject({ ok: true, value: { container: "jsonl" } });
    const imported = JSON.parse((await jsonCall(s, "datasets.import", { path: ref, name: "uploaded" }, auth)).body);
    expect(imported).toMatchObject({ ok: true, value: { name: "uploaded", rowCount: 4 } });
    expect(readdirSync(s.uploadFolder!).filter((f) => f.endsWith("-pairs.jsonl"))).toEqual([]);
    // The grant went with the file: importing it again is refused.
    expect(JSON.parse((await jsonCall(s, "datasets.import", { path: ref }, auth)).body)).toMatchObject({
      ok: false,
      error: { name: "ForbiddenError" },
    });
    expect(readdirSync(s.uploadFolder!).filter((f) => f.endsWith("-never-imported.jsonl")).length).toBe(1);
    expect(leftover).not.toBe(ref);
    const folder = s.uploadFolder!;
    servers.splice(servers.indexOf(s), 1);
    await s.close();
    expect(existsSync(folder)).toBe(false);
  });

  it("removes upload folders of launches that died, and none of a live one", async () => {
    const root = join(dir, "stale-uploads");
    // A pid far above any real one (pid_max is at most 2^22 on Linux).
    const dead = join(root, "9999999-deadbeef");
    const live = join(root, `${process.pid}-cafe0001`);
    for (const d of [dead, live]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "x.jsonl"), "{}\n");
    }
    writeFileSync(join(root, "0123456789ab-old.jsonl"), "{}\n");
    writeFileSync(join(root, "README.txt"), "not ours");
    expect(removeStaleUploads(root).sort()).toEqual(["0123456789ab-old.jsonl", "9999999-deadbeef"]);
    expect(readdirSync(root).sort()).toEqual([`${process.pid}-cafe0001`, "README.txt"]);
    expect(readFileSync(join(live, "x.jsonl"), "utf8")).toBe("{}\n");
  });
});
