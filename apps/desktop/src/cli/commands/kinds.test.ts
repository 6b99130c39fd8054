// `goodhart kinds` and `goodhart presets` through the CLI's entry, with the default registry and
// with a toy kind from a test-only folder registered through the registry's constructor option.
import { describe, expect, it } from "vitest";
import { captureIo } from "../testing/capture-io.ts";
import { main } from "../main.ts";
import { ExperimentRegistry } from "../../service/experiments/registry.ts";
import { toyKind } from "../../service/testing/toy-kind/kind.ts";
import { kindsCommand } from "./kinds.ts";
import { presetsCommand } from "./presets.ts";

const withToy = new ExperimentRegistry({ kinds: [toyKind] });
const toyCommands = [kindsCommand(withToy), presetsCommand(withToy)];

describe("goodhart kinds / presets", () => {
  it("lists the science kinds with descriptions and presets; --all adds the diagnostic ones", async () => {
    const io = captureIo();
    expect(await main(["kinds"], io)).toBe(0);
    expect(io.stdout).toMatch(/^bon-study: Best-of-n overoptimization/m);
    expect(io.stdout).toMatch(/presets: quick-demo, gao-bon, gao-bon-small, coste-bon, coste-ensemble-noise/);
    expect(io.stdout).not.toMatch(/diagnostic\.counter/);
    const all = captureIo();
    expect(await main(["kinds", "--all"], all)).toBe(0);
    expect(all.stdout).toMatch(/diagnostic\.counter \(diagnostic\)/);
  });

  it("shows a kind's fields with type, range, unit and default, generated from its schema", async () => {
    const io = captureIo();
    expect(await main(["kinds", "bon-study"], io)).toBe(0);
    expect(io.stdout).toMatch(/bon\.poolSize\s+integer\s+\[1, 1048576\]\s+samples\s+= 1024\s+N, base-policy samples/);
    expect(io.stdout).toMatch(/labelNoise\s+list of number\s+\[0, 0\.5\)\s+probability/);
    expect(io.stdout).toMatch(/proxySizes\[\]\.heads\s+integer\s+\[1, 128\]\s+heads/);
    const json = captureIo();
    expect(await main(["kinds", "bon-study", "--json"], json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: "bon-study",
      configSchema: { type: "object" },
      views: { headline: { type: "bar-at-max-x" } },
    });
    const bad = captureIo();
    expect(await main(["kinds", "bon"], bad)).toBe(2);
    // Every registered kind is named (more kinds register as families land; the order is the registry's).
    expect(bad.stderr).toMatch(/unknown kind 'bon'; known kinds: [^\n]*\bbon-study\b/);
    expect(bad.stderr).toMatch(/known kinds: [^\n]*\bdiagnostic\.counter\b/);
  });

  it("lists presets with papers and datasets, filters by kind, and prints one preset's config", async () => {
    const io = captureIo();
    expect(await main(["presets", "--kind", "bon-study"], io)).toBe(0);
    expect(io.stdout).toMatch(/^coste-bon {2}\(bon-study\) Coste et al\./m);
    expect(io.stdout).toMatch(/papers: Coste et al\. 2024 {3}datasets: builtin/);
    const one = captureIo();
    expect(await main(["presets", "quick-demo"], one)).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: "bon-study", name: "quick-demo", seeds: [1], bon: { poolSize: 256 } });
    // A preset that needs a dataset says which field is the user's, and its config leaves it out.
    expect(io.stdout).toMatch(
      /^hh-rlhf-bon {2}\(bon-study\)[\s\S]*requires task\.dataset\.datasetId: the id of an imported pairwise dataset/m,
    );
    const hh = captureIo();
    expect(await main(["presets", "hh-rlhf-bon"], hh)).toBe(0);
    const config = JSON.parse(hh.stdout) as { task: { kind: string; dataset: Record<string, unknown> } };
    expect(config.task.kind).toBe("dataset");
    expect(config.task.dataset).not.toHaveProperty("datasetId");
    expect(hh.stderr).toMatch(/hh-rlhf-bon requires task\.dataset\.datasetId/);
    const bad = captureIo();
    expect(await main(["presets", "--kind", "nope"], bad)).toBe(2);
    expect(bad.stderr).toMatch(/unknown kind 'nope'/);
  });

  it("picks up a toy kind registered in a test, with no change to the CLI", async () => {
    const io = captureIo();
    expect(await main(["kinds", "--all"], io, toyCommands)).toBe(0);
    expect(io.stdout).toMatch(/^toy\.curve \(diagnostic\): Toy curve/m);
    const fields = captureIo();
    expect(await main(["kinds", "toy.curve"], fields, toyCommands)).toBe(0);
    expect(fields.stdout).toMatch(/shape\.kind\s+string\s+one of parabola, tent\s+= "parabola"\s+Shape of the gold curve\./);
    const presets = captureIo();
    expect(await main(["presets", "--kind", "toy.curve"], presets, toyCommands)).toBe(0);
    expect(presets.stdout).toMatch(/^toy-tent {2}\(toy\.curve\) Tent/m);
    const help = captureIo();
    expect(await main(["--help"], help)).toBe(0);
    expect(help.stdout).toMatch(/kinds\s+List the experiment kinds/);
    expect(help.stdout).toMatch(/presets\s+List the presets/);
  });
});
