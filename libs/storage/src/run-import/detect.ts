/** Which run-log format a file holds, from its name and its first record. */
import path from "node:path";
import { jsonlObjects } from "./jsonl-log.ts";
import { OPENRLHF_NAMES, openRlhfKey } from "./openrlhf.ts";
import { type RunLogFormat, RunLogError } from "./run-log.ts";
import { VERL_CONSOLE_LINE } from "./verl-console.ts";
import { isRolloutRecord } from "./verl-rollouts.ts";

export function detectRunLogFormat(text: string, file: string): RunLogFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".csv") return "wandb";
  const head = text.replace(/^\uFEFF/, "").trimStart();
  if (head.startsWith("{") && /"log_history"\s*:/.test(text.slice(0, 1 << 20)) && ext !== ".jsonl") return "trl";
  if (head.startsWith("{")) {
    const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
    const [first] = jsonlObjects(firstLine, file);
    const record = first!.record;
    if (isRolloutRecord(record)) return "verl-rollouts";
    const data = typeof record.data === "object" && record.data !== null ? (record.data as Record<string, unknown>) : record;
    if (Object.keys(data).some((k) => k.startsWith("actor/") || k.startsWith("critic/"))) return "verl";
    if (Object.keys(record).some((k) => openRlhfKey(k) in OPENRLHF_NAMES)) return "openrlhf";
  } else if (VERL_CONSOLE_LINE.test(text)) return "verl";
  throw new RunLogError(
    file,
    1,
    "cannot tell which tool wrote this log (TRL trainer_state.json, OpenRLHF or verl JSON lines, verl's console output, a verl rollout dump, a W&B CSV); give the format",
  );
}
