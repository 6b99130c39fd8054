import type { ChatMessage } from "../../dto.ts";
import { renderPrompt } from "../chat.ts";
import { type ColumnRoles, type SourceRecordValue, firstPresent } from "./format.ts";
import { promptOf } from "./prompt-chosen-rejected.ts";

/** Columns that carry the part of an instruction-style prompt the responses are about (Alpaca's `input`). */
const INPUT = ["input", "context"];
/** Columns that carry a system prompt. */
const SYSTEM = ["system", "system_prompt"];

/**
 * The optional `input` and `system` roles of a record whose prompt column is `promptColumn`:
 * Alpaca-style files split the prompt into an instruction and its input, and some add a system
 * prompt. A column already used as the prompt is never its own system prompt.
 */
export function promptPartRoles(record: SourceRecordValue, promptColumn: string | undefined): ColumnRoles {
  const roles: ColumnRoles = {};
  if (promptColumn === undefined) return roles;
  // Only an instruction has a separate input (Alpaca, Dolly's `context`); a `prompt` is whole.
  const input = promptColumn === "instruction" ? firstPresent(record, INPUT) : undefined;
  if (input !== undefined) roles.input = input;
  const system = firstPresent(
    record,
    SYSTEM.filter((c) => c !== promptColumn),
  );
  if (system !== undefined) roles.system = system;
  return roles;
}

function nonEmptyText(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

/**
 * The prompt of a record: its prompt column (text or chat messages), followed by the `input` role's
 * text (instruction + input, as Alpaca composes them) and preceded by the `system` role's text.
 * Empty input or system cells add nothing.
 */
export function composePrompt(record: SourceRecordValue, columns: ColumnRoles): { prompt: string; messages: ChatMessage[] | null } {
  const promptColumn = columns.prompt as string;
  const base = promptOf(record[promptColumn], promptColumn);
  const prompt = base.prompt;
  let messages = base.messages;
  const input = columns.input === undefined ? null : nonEmptyText(record[columns.input as string]);
  const system = columns.system === undefined ? null : nonEmptyText(record[columns.system as string]);
  if (input === null && system === null) return { prompt, messages };
  if (messages === null) {
    const user = input === null ? prompt : `${prompt}\n\n${input}`;
    if (system === null) return { prompt: user, messages: null };
    messages = [
      { role: "system", content: system },
      { role: "user", content: user },
    ];
    return { prompt: renderPrompt(messages), messages };
  }
  // Chat prompts: the input joins the last user turn; a system prompt goes first unless one is there.
  const out = messages.map((m) => ({ ...m }));
  if (input !== null) {
    const last = out.findLastIndex((m) => m.role === "user");
    if (last >= 0) out[last]!.content = `${out[last]!.content}\n\n${input}`;
    else out.push({ role: "user", content: input });
  }
  if (system !== null && out[0]?.role !== "system") out.unshift({ role: "system", content: system });
  return { prompt: renderPrompt(out), messages: out };
}
