import { describe, expect, it } from "vitest";
import { answerLabCall, parseLabInput, unwrapLabResponse } from "./boundary.ts";
import { createLabApiClient } from "./client.ts";
import { LabNotFoundError, LabValidationError, rebuildError, serializeError } from "./errors.ts";
import { type LabApi, type LabEvent, findMethod, labChannel, labEventList, labMethodNames, labMethods } from "./lab-api.ts";
import { LAB_METHOD_NAMES } from "./lab-channels.ts";

describe("LabApi contract", () => {
  it("lists every service and method once, with its channel", () => {
    expect(Object.keys(labMethods)).toEqual([
      "datasets",
      "labels",
      "kinds",
      "presets",
      "experiments",
      "runs",
      "curves",
      "compare",
      "reports",
      "settings",
      "devices",
      "models",
    ]);
    expect(new Set(labMethodNames).size).toBe(labMethodNames.length);
    expect(labMethodNames).toContain("runs.cancel");
    // The preload's schema-free copy of the names must match the table.
    expect(LAB_METHOD_NAMES).toEqual(labMethodNames);
    expect(labChannel("runs.cancel")).toBe("lab:runs.cancel");
    expect(labEventList.map((e) => e.type)).toEqual(["runs.progress", "runs.metrics", "runs.status"]);
  });

  it("finds methods only by their own names (no prototype keys)", () => {
    expect(findMethod("runs.start")).toBeDefined();
    expect(findMethod("runs.constructor")).toBeUndefined();
    expect(findMethod("__proto__.x")).toBeUndefined();
    expect(findMethod("runs")).toBeUndefined();
  });

  it("rejects malformed calls with a message naming the method and field", () => {
    expect(() => parseLabInput("runs.start", { experimentId: "7" })).toThrow(LabValidationError);
    expect(() => parseLabInput("runs.start", { experimentId: "7" })).toThrow(
      /Invalid input for runs\.start: .*expected number.*experimentId/,
    );
    expect(() => parseLabInput("runs.get", { id: 1, extra: true })).toThrow(/Unrecognized key: "extra"/);
    expect(() => parseLabInput("runs.get", undefined)).toThrow(/Invalid input for runs\.get/);
    expect(() => parseLabInput("settings.update", { runConcurrency: 0 })).toThrow(/runConcurrency/);
    expect(() => parseLabInput("nope.nothing", {})).toThrow(/'nope\.nothing' is not a LabApi method/);
  });

  it("applies defaults", () => {
    expect(parseLabInput("runs.start", { experimentId: 3 })).toEqual({ experimentId: 3, seed: 0 });
    expect(parseLabInput("datasets.list", undefined)).toBeUndefined();
  });

  it("carries errors as {name, message} and rebuilds their class", () => {
    const wire = serializeError(new LabNotFoundError("run 9 does not exist"));
    expect(wire).toEqual({ name: "NotFoundError", message: "run 9 does not exist" });
    const back = rebuildError(wire);
    expect(back).toBeInstanceOf(LabNotFoundError);
    expect(back.message).toBe("run 9 does not exist");
    const custom = rebuildError({ name: "RunStatusError", message: "x" });
    expect(custom.name).toBe("RunStatusError");
  });

  it("round-trips a call through the generic proxy and a receiver", async () => {
    const calls: string[] = [];
    const listeners = new Set<(e: LabEvent) => void>();
    // A receiver with one real method; the others are absent and must fail as not implemented.
    const service = {
      runs: {
        get: async ({ id }: { id: number }) => {
          calls.push(`get ${id}`);
          if (id === 404) throw new LabNotFoundError(`run ${id} does not exist`);
          return {
            id,
            experimentId: null,
            name: "r",
            config: {},
            status: "done",
            seed: 0,
            device: "cpu",
            createdAt: "t",
            startedAt: null,
            endedAt: null,
            error: null,
            progress: null,
            checkpointStep: null,
            labVersion: null,
            secret: "dropped",
          };
        },
      },
    } as unknown as LabApi;
    const api = createLabApiClient({
      call: async (method, input) => unwrapLabResponse(JSON.parse(JSON.stringify(await answerLabCall(service, method, input)))),
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const run = await api.runs.get({ id: 5 });
    expect(run.status).toBe("done");
    expect("secret" in run).toBe(false);
    await expect(api.runs.get({ id: 404 })).rejects.toBeInstanceOf(LabNotFoundError);
    await expect(api.runs.get({ id: -1 })).rejects.toThrow(/Invalid input for runs\.get/);
    await expect(api.datasets.list()).rejects.toThrow(/not implemented/);
    expect(calls).toEqual(["get 5", "get 404"]);

    const seen: number[] = [];
    const dispose = api.runs.onDidProgress((e) => seen.push(e.step));
    for (const l of listeners) l({ type: "runs.progress", payload: { runId: 1, step: 3, totalSteps: 9, etaSeconds: null, message: null } });
    for (const l of listeners) l({ type: "runs.status", payload: { runId: 1, status: "done", error: null } });
    dispose();
    expect(listeners.size).toBe(0);
    expect(seen).toEqual([3]);
  });
});
