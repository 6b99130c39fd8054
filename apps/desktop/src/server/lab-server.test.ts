import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabService, createLabService } from "../service/lab-service.ts";
import { waitForStatus } from "../service/testing/wait-for.ts";
import { LabValidationError } from "../shared/errors.ts";
import { createHttpLabClient } from "../shared/http-client.ts";
import { CONTENT_SECURITY_POLICY } from "../shared/csp.ts";
import { type LabServer, startLabServer } from "./lab-server.ts";
import { fixturePath } from "../../../../fixtures/index.ts";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (Host included). */
function raw(
  server: LabServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        path,
        method: options.method ?? "GET",
        headers: { host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err)));
    req.end(options.body);
  });
}

const json = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
  ...extra,
});

let dir: string;
let store: LabStore;
let service: LabService;
let server: LabServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "goodhart-server-"));
  store = openDatabase(join(dir, "lab.sqlite"));
  service = createLabService({ store, dataDir: join(dir, "data"), runConcurrency: 2 });
  server = await startLabServer({ api: service, subscribe: service.subscribe, uploadDir: join(dir, "uploads"), maxUploadBytes: 64 * 1024 });
});

afterAll(async () => {
  await server.close();
  await service.close();
  store.close();
});

describe("lab server security", () => {
  it("listens on 127.0.0.1 with a long random token", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.token.length).toBeGreaterThanOrEqual(43);
    expect(server.launchUrl).toBe(`${server.url}/?token=${server.token}`);
  });

  it("refuses a call without a token, or with a wrong one", async () => {
    const none = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.message).toMatch(/missing token/);
    const wrong = await raw(server, "/api/experiments.list", { method: "POST", headers: json("x".repeat(43)), body: "{}" });
    expect(wrong.status).toBe(401);
    const page = await raw(server, "/");
    expect(page.status).toBe(401);
    const ok = await raw(server, "/api/experiments.list", { method: "POST", headers: json(server.token), body: "{}" });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: [] });
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token", async () => {
    const host = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { host: `evil.example:${server.port}` }),
      body: "{}",
    });
    expect(host.status).toBe(403);
    expect(host.body).toMatch(/foreign Host/);
    const otherPort = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { host: `127.0.0.1:${server.port + 1}` }),
      body: "{}",
    });
    expect(otherPort.status).toBe(403);
    const origin = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { origin: "https://evil.example" }),
      body: "{}",
    });
    expect(origin.status).toBe(403);
    expect(origin.body).toMatch(/foreign Origin/);
    const crossSite = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { "sec-fetch-site": "cross-site" }),
      body: "{}",
    });
    expect(crossSite.status).toBe(403);
    const ownOrigin = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` }),
      body: "{}",
    });
    expect(ownOrigin.status).toBe(200);
  });

  it("admits a named development origin only when configured", async () => {
    const dev = await startLabServer({ api: service, subscribe: service.subscribe, devOrigins: ["http://localhost:5173"] });
    try {
      const ok = await raw(dev, "/api/experiments.list", {
        method: "POST",
        headers: json(dev.token, { origin: "http://localhost:5173" }),
        body: "{}",
      });
      expect(ok.status).toBe(200);
      const other = await raw(dev, "/api/experiments.list", {
        method: "POST",
        headers: json(dev.token, { origin: "http://localhost:5174" }),
        body: "{}",
      });
      expect(other.status).toBe(403);
    } finally {
      await dev.close();
    }
    const plain = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: json(server.token, { origin: "http://localhost:5173" }),
      body: "{}",
    });
    expect(plain.status).toBe(403);
  });

  it("refuses an oversize body and a non-JSON content type", async () => {
    const big = Buffer.alloc(1024 * 1024 + 10, 32);
    const res = await raw(server, "/api/experiments.create", { method: "POST", headers: json(server.token), body: big });
    expect(res.status).toBe(413);
    const form = await raw(server, "/api/experiments.list", {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "text/plain" },
      body: "{}",
    });
    expect(form.status).toBe(415);
    const get = await raw(server, "/api/experiments.list", { headers: { authorization: `Bearer ${server.token}` } });
    expect(get.status).toBe(405);
  });

  it("trades ?token= for an HttpOnly SameSite=Strict cookie and serves the page with a strict CSP", async () => {
    const wrong = await raw(server, "/?token=nope");
    expect(wrong.status).toBe(401);
    const first = await raw(server, `/?token=${server.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    const page = await raw(server, "/", { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.body).toMatch(/user interface is not built yet/);
    const api = await raw(server, "/api/settings.get", {
      method: "POST",
      headers: { cookie: session, "content-type": "application/json" },
      body: "{}",
    });
    expect(JSON.parse(api.body).value.device).toBe("cpu");
  });

  it("answers malformed calls with a validation error the client rebuilds", async () => {
    const res = await raw(server, "/api/runs.get", { method: "POST", headers: json(server.token), body: JSON.stringify({ id: "one" }) });
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      error: { name: "ValidationError", message: expect.stringMatching(/Invalid input for runs\.get/) },
    });
    const unknown = await raw(server, "/api/runs.explode", { method: "POST", headers: json(server.token), body: "{}" });
    expect(JSON.parse(unknown.body).error.name).toBe("UnknownMethodError");
    const bad = await raw(server, "/api/runs.get", { method: "POST", headers: json(server.token), body: "{not json" });
    expect(bad.status).toBe(400);
    const client = createHttpLabClient({ baseUrl: server.url, token: server.token });
    // Bypass the client's own validation to check the server's, by calling through fetch directly.
    await expect(client.api.runs.get({ id: 12345 })).rejects.toThrow(/Run 12345 does not exist/);
    await expect(client.api.runs.get({ id: -3 })).rejects.toBeInstanceOf(LabValidationError);
    client.close();
  });

  it("stores uploads in this launch's upload folder with a size limit, and answers a grant id, not a path", async () => {
    const ok = await raw(server, "/api/upload?name=../../pairs.jsonl", {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/octet-stream" },
      body: '{"a":1}\n',
    });
    expect(ok.status).toBe(200);
    const ref = JSON.parse(ok.body).value.path as string;
    expect(ref).toMatch(/^grant-[\w-]{24}$/);
    const folder = server.uploadFolder!;
    expect(folder.startsWith(join(dir, "uploads"))).toBe(true);
    const stored = readdirSync(folder).filter((f) => f.endsWith("-pairs.jsonl"));
    expect(stored.length).toBe(1);
    expect(readFileSync(join(folder, stored[0]!), "utf8")).toBe('{"a":1}\n');
    const big = await raw(server, "/api/upload?name=big.jsonl", {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}`, "content-type": "application/octet-stream" },
      body: Buffer.alloc(70_000),
    });
    expect(big.status).toBe(413);
    expect(readdirSync(folder).filter((f) => f.endsWith("-big.jsonl"))).toEqual([]);
  });

  it("uploads a dataset through the client and imports it", async () => {
    const client = createHttpLabClient({ baseUrl: server.url, token: server.token });
    const fixture = fixturePath("preference/activeuf_ultrafeedback_binarized_custom.jsonl");
    const uploaded = await client.upload("ultrafeedback.jsonl", readFileSync(fixture));
    expect(uploaded.bytes).toBe(readFileSync(fixture).length);
    const dataset = await client.api.datasets.import({ path: uploaded.path, name: "uf" });
    expect(dataset).toMatchObject({ name: "uf", rowCount: 10 });
    await expect(client.upload("huge.jsonl", new Uint8Array(70_000))).rejects.toThrow(/exceeds the limit of 65536 bytes/);
    client.close();
  });

  it("serves the built renderer without escaping its folder", async () => {
    const staticDir = join(dir, "renderer");
    mkdirSync(join(staticDir, "assets"), { recursive: true });
    writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>UI</title>");
    writeFileSync(join(staticDir, "assets", "app.js"), "console.log(1)");
    writeFileSync(join(dir, "secret.txt"), "secret");
    const ui = await startLabServer({ api: service, subscribe: service.subscribe, staticDir });
    try {
      const auth = { authorization: `Bearer ${ui.token}` };
      expect((await raw(ui, "/", { headers: auth })).body).toContain("<title>UI</title>");
      const js = await raw(ui, "/assets/app.js", { headers: auth });
      expect(js.headers["content-type"]).toMatch(/text\/javascript/);
      expect((await raw(ui, "/runs/3", { headers: auth })).body).toContain("<title>UI</title>");
      for (const path of ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"]) {
        const res = await raw(ui, path, { headers: auth });
        expect(res.body).not.toContain("secret");
      }
    } finally {
      await ui.close();
    }
  });
});

describe("lab server runs over HTTP + SSE", () => {
  it("delivers run progress in order, and two concurrent runs both complete and persist", async () => {
    const client = createHttpLabClient({ baseUrl: server.url, token: server.token });
    const { api } = client;
    const steps = new Map<number, number[]>();
    const statuses: string[] = [];
    api.runs.onDidProgress((e) => {
      if (!steps.has(e.runId)) steps.set(e.runId, []);
      steps.get(e.runId)!.push(e.step);
    });
    api.runs.onDidChangeStatus((e) => statuses.push(`${e.runId}:${e.status}`));
    await client.eventsReady();
    const experiment = await api.experiments.create({ name: "http", kind: "diagnostic.counter", config: { steps: 30, stepMs: 2 } });
    const [a, b] = await Promise.all([
      api.runs.start({ experimentId: experiment.id, seed: 1 }),
      api.runs.start({ experimentId: experiment.id, seed: 2 }),
    ]);
    expect(await Promise.all([waitForStatus(api, a.id, ["done", "failed"]), waitForStatus(api, b.id, ["done", "failed"])])).toEqual([
      "done",
      "done",
    ]);
    const expected = Array.from({ length: 30 }, (_, i) => i + 1);
    expect(steps.get(a.id)).toEqual(expected);
    expect(steps.get(b.id)).toEqual(expected);
    expect(statuses.filter((s) => s.startsWith(`${a.id}:`))).toEqual([`${a.id}:queued`, `${a.id}:running`, `${a.id}:done`]);
    expect((await api.runs.metrics({ runId: a.id, name: "counter.step" }))[0]!.steps.length).toBe(30);
    expect((await api.runs.metrics({ runId: b.id, name: "counter.step" }))[0]!.steps.length).toBe(30);
    expect(store.integrityCheck()).toBe("ok");
    client.close();
  });

  it("cancels a run over HTTP within 2 s", async () => {
    const client = createHttpLabClient({ baseUrl: server.url, token: server.token });
    const experiment = await client.api.experiments.create({
      name: "slow",
      kind: "diagnostic.counter",
      config: { steps: 5000, stepMs: 10 },
    });
    const run = await client.api.runs.start({ experimentId: experiment.id });
    await waitForStatus(client.api, run.id, ["running"]);
    const t0 = performance.now();
    const cancelled = await client.api.runs.cancel({ id: run.id });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(cancelled.status).toBe("cancelled");
    client.close();
  });
});
