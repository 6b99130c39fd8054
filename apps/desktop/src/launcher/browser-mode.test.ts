import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHttpLabClient } from "../shared/http-client.ts";
import { startBrowserMode } from "./browser-mode.ts";

describe("browser mode", () => {
  it("starts the real server, prints the URL with the token, serves LabApi, and stops cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "goodhart-browser-"));
    const lines: string[] = [];
    let stop!: (reason: string) => void;
    const until = new Promise<string>((r) => (stop = r));
    let printed!: () => void;
    const urlPrinted = new Promise<void>((r) => (printed = r));
    const done = startBrowserMode({
      dbFile: join(dir, "lab.sqlite"),
      // The UI build is e2e's concern; building here too would race it under `nx run-many`.
      buildRenderer: false,
      until,
      log: (line) => {
        lines.push(line);
        if (line.includes("?token=")) printed();
      },
    });
    await urlPrinted;
    const launch = lines.find((l) => l.includes("?token="))!.trim();
    expect(launch).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    const url = new URL(launch);
    const client = createHttpLabClient({ baseUrl: url.origin, token: url.searchParams.get("token")! });
    expect((await client.api.experiments.kinds()).map((k) => k.kind)).toContain("diagnostic.counter");
    client.close();
    stop("test");
    expect(await done).toBe(0);
    expect(lines.at(-1)).toMatch(/Stopping \(test\)/);
  });
});
