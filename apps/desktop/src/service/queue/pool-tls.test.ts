// The worker pool over TLS: a TLS-only redis-server (plain port closed) with a certificate from a
// throwaway CA made by openssl at test time. A `goodhart worker` process and a lab connect with
// rediss:// and GOODHART_QUEUE_TLS_CA and a run completes; a CA that did not sign the server's
// certificate, or none at all, is refused with a clear message in both, and nothing is created.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabStore, openDatabase } from "@goodhart/storage";
import { type LabService, createLabService } from "../lab-service.ts";
import { waitForStatus } from "../testing/wait-for.ts";
import { type RedisServer, poolTestsUnavailable, startRedis } from "./testing/redis-server.ts";
import { type TestCertificates, makeTestCertificates, opensslUnavailable } from "./testing/tls-certs.ts";

const unavailable = poolTestsUnavailable() ?? opensslUnavailable();
if (unavailable) console.warn(`pool-tls.test.ts skipped: ${unavailable}`);

const cliBin = fileURLToPath(new URL("../../../bin/goodhart.mjs", import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), "goodhart-pool-tls-"));
const COUNTER = { steps: 6, stepMs: 5, checkpointEvery: 2 };

function startWorker(
  name: string,
  url: string,
  caFile: string | undefined,
): { proc: ChildProcess; log: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, GOODHART_CACHE: path.join(root, "cache") };
  delete env.GOODHART_QUEUE_TLS_CA;
  if (caFile) env.GOODHART_QUEUE_TLS_CA = caFile;
  const proc = spawn(process.execPath, [cliBin, "worker", "--queue", url, "--name", name, "--threads", "1"], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let log = "";
  proc.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return { proc, log: () => log, exited };
}

let labs = 0;
/** A lab submitting to `url`; its pool reads GOODHART_QUEUE_TLS_CA when it first connects (see withCa). */
function openLab(url: string): { service: LabService; store: LabStore } {
  const dir = path.join(root, `lab-${++labs}`);
  const store = openDatabase(path.join(dir, "lab.sqlite"));
  const service = createLabService({
    store,
    dataDir: path.join(dir, "data"),
    cacheDir: path.join(root, "cache"),
    threads: 1,
    queueUrl: url,
  });
  return { service, store };
}

async function withCa<T>(caFile: string | undefined, f: () => Promise<T>): Promise<T> {
  const previous = process.env.GOODHART_QUEUE_TLS_CA;
  if (caFile) process.env.GOODHART_QUEUE_TLS_CA = caFile;
  else delete process.env.GOODHART_QUEUE_TLS_CA;
  try {
    return await f();
  } finally {
    if (previous === undefined) delete process.env.GOODHART_QUEUE_TLS_CA;
    else process.env.GOODHART_QUEUE_TLS_CA = previous;
  }
}

describe.skipIf(unavailable !== null)("worker pool over TLS (rediss:// to a TLS-only redis-server)", () => {
  let redis: RedisServer;
  let url: string;
  let certs: TestCertificates;

  beforeAll(async () => {
    certs = makeTestCertificates(root);
    redis = await startRedis({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
    url = `rediss://127.0.0.1:${redis.port}`;
  }, 30_000);

  afterAll(async () => {
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("a worker and a lab given the CA connect with rediss:// and a run completes on the worker", async () => {
    const worker = startWorker("tls1", url, certs.ca);
    try {
      const lab = openLab(url);
      try {
        const t0 = Date.now();
        while (!/waiting for runs/.test(worker.log())) {
          if (worker.proc.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`worker did not start: ${worker.log()}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const experiment = await lab.service.experiments.create({ name: "tls", kind: "diagnostic.counter", config: COUNTER });
        const run = await withCa(certs.ca, () => lab.service.runs.start({ experimentId: experiment.id, seed: 1 }));
        expect(await waitForStatus(lab.service, run.id, ["done", "failed", "cancelled", "interrupted"], 60_000)).toBe("done");
        expect((await lab.service.runs.get({ id: run.id })).executor).toMatch(/^tls1@/);
        expect(lab.store.metrics.series(run.id, "counter.step").steps).toHaveLength(COUNTER.steps);
        expect(lab.store.runExecutions.get(run.id)?.queue).toBe(`127.0.0.1:${redis.port}`);
      } finally {
        await lab.service.close();
        lab.store.close();
      }
    } finally {
      worker.proc.kill("SIGTERM");
      await worker.exited;
    }
  }, 90_000);

  it("refuses a server certificate not signed by the given CA (or any trusted CA), in the worker and the lab, creating nothing", async () => {
    for (const caFile of [certs.otherCa, undefined]) {
      const worker = startWorker("untrusting", url, caFile);
      expect(await worker.exited).toBe(1);
      expect(worker.log()).toMatch(
        new RegExp(`the queue at 127\\.0\\.0\\.1:${redis.port} presented a TLS certificate this side does not trust`),
      );
      expect(worker.log()).toMatch(/GOODHART_QUEUE_TLS_CA/);

      const lab = openLab(url);
      try {
        const experiment = await lab.service.experiments.create({ name: "untrusted", kind: "diagnostic.counter", config: COUNTER });
        await expect(withCa(caFile, () => lab.service.runs.start({ experimentId: experiment.id, seed: 1 }))).rejects.toThrow(
          /presented a TLS certificate this side does not trust/,
        );
        expect(await lab.service.runs.list({})).toEqual([]);
      } finally {
        await lab.service.close();
        lab.store.close();
      }
    }
  }, 60_000);

  it("names an unreadable or non-PEM CA file before connecting", async () => {
    const worker = startWorker("no-ca-file", url, path.join(root, "missing.pem"));
    expect(await worker.exited).not.toBe(0);
    expect(worker.log()).toMatch(/GOODHART_QUEUE_TLS_CA: cannot read the CA certificate file .*missing\.pem \(ENOENT\)/);
    const lab = openLab(url);
    try {
      const experiment = await lab.service.experiments.create({ name: "bad ca", kind: "diagnostic.counter", config: COUNTER });
      await expect(withCa(certs.serverKey, () => lab.service.runs.start({ experimentId: experiment.id, seed: 1 }))).rejects.toThrow(
        /GOODHART_QUEUE_TLS_CA: .*server\.key holds no PEM certificate/,
      );
    } finally {
      await lab.service.close();
      lab.store.close();
    }
  }, 30_000);
});
