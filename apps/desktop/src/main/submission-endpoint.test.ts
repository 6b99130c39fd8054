// The desktop app's door for the CLI (issue 11), tested without the Electron binary: the app's
// real service runs in its own process (the service host, as Electron's utility process runs it),
// the main process's submission endpoint serves it, and `goodhart run` - the CLI's own door code -
// finds lab.json beside the runner lock, submits there, and the run lands in the app's store.
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureIo } from "../cli/testing/capture-io.ts";
import { main } from "../cli/main.ts";
import { type ForkedHost, forkServiceHost } from "../service/host/fork-host.ts";
import { readLabEndpoint } from "../service/runner-lock.ts";
import { type SubmissionEndpoint, startSubmissionEndpoint } from "./submission-endpoint.ts";

async function until<T>(read: () => T | null | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((r) => setTimeout(r, 20))) {
    const value = read();
    if (value) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

const open: { host: ForkedHost; endpoint?: SubmissionEndpoint }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.endpoint?.close();
    await o.host.shutdown();
  }
});

describe("the desktop app's submission endpoint", () => {
  it("publishes lab.json (0600, 127.0.0.1, a fresh token) and `goodhart run` submits to the app's service", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-app-door-"));
    const dbFile = join(dir, "lab.sqlite");
    const dataDir = join(dir, "data");
    const host = forkServiceHost(dbFile);
    const slot: (typeof open)[number] = { host };
    open.push(slot);
    await host.ready;
    const endpoint = await startSubmissionEndpoint({
      api: host.api,
      subscribe: host.subscribe,
      publish: (e) => host.publishEndpoint(e),
      uploadDir: join(dataDir, "uploads"),
    });
    slot.endpoint = endpoint;

    // The service host holds the runner lock, so it writes lab.json: readable by the user only.
    const published = await until(() => readLabEndpoint(dataDir), "lab.json");
    expect(published).toMatchObject({ url: endpoint.url, pid: host.pid, dbFile, holder: "the Goodhart Lab desktop app" });
    expect(published.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(published.token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dataDir, "lab.json")).mode & 0o777).toBe(0o600);
    // Without the token the endpoint answers nothing.
    const anonymous = await fetch(`${endpoint.url}/api/runs.list`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);

    // goodhart run while the app is open: the app executes it; the CLI follows it to the end.
    const config = join(dir, "counter.json");
    writeFileSync(config, JSON.stringify({ kind: "diagnostic.counter", steps: 6, stepMs: 1 }));
    const io = captureIo();
    expect(await main(["run", config, "--db", dbFile], io)).toBe(0);
    expect(`${io.stdout}${io.stderr}`).toMatch(/the running lab the Goodhart Lab desktop app \(pid \d+/);
    const runs = await host.api.runs.list();
    expect(runs.map((r) => r.status)).toEqual(["done"]);
    expect((await host.api.runs.metrics({ runId: runs[0]!.id, name: "counter.step" }))[0]!.steps).toEqual([1, 2, 3, 4, 5, 6]);

    // Closing the app removes lab.json with the lock; the next command runs in its own process.
    await endpoint.close();
    slot.endpoint = undefined;
    await host.shutdown();
    open.splice(0);
    expect(existsSync(join(dataDir, "lab.json"))).toBe(false);
    const after = captureIo();
    expect(await main(["runs", "list", "--db", dbFile], after)).toBe(0);
    expect(after.stdout).toMatch(/done/);
  }, 120_000);
});
