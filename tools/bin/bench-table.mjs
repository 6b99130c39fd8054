#!/usr/bin/env node
// Prints every bench-results/*.json as one table: project, key, value.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../bench-results", import.meta.url));
if (!existsSync(dir)) {
  console.log("No bench-results/ yet.");
  process.exit(0);
}
const rows = [];
for (const name of readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const file = JSON.parse(readFileSync(`${dir}/${name}`, "utf8"));
  for (const [key, value] of Object.entries(file.results)) {
    rows.push({ project: name.replace(/\.json$/, ""), key, value, device: file.device, commit: file.commit });
  }
}
console.log("\nAll benchmark results");
console.table(rows);
