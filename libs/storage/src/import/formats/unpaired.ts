import type { ChatMessage } from "../../dto.ts";
import { isMessageList, renderPrompt, toMessages } from "../chat.ts";
import { FieldError, describeValue } from "../errors.ts";
import { type ColumnRoles, type PreferenceFormat, type SourceRecordValue, firstPresent, has, requireText } from "./format.ts";
import { composePrompt, promptPartRoles } from "./prompt-parts.ts";

const RESPONSE = ["completion", "response", "output"];
/** Whole conversations whose last assistant turn is the one the label judges (LLaMA-Factory's KTO layout). */
const CONVERSATION = ["messages", "conversations", "conversation"];

function parseVerdict(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  const v = typeof value === "string" ? value.trim().toLowerCase() : value;
  if (v === "true" || v === 1 || v === "1" || v === "good") return true;
  if (v === "false" || v === 0 || v === "0" || v === "bad") return false;
  throw new FieldError(field, `expected true (good) or false (bad), got ${describeValue(value)}`);
}

function isVerdict(value: unknown): boolean {
  return ["boolean", "string", "number"].includes(typeof value);
}

/**
 * Splits a conversation at its last assistant message: that message is the labelled response,
 * everything before it the prompt. A conversation that continues after it (a trailing user turn)
 * has no labelled turn and is refused rather than guessed at.
 */
export function splitLastAssistant(value: unknown, field: string): { prompt: ChatMessage[]; response: string } {
  const messages = toMessages(value, field);
  const last = messages.findLastIndex((m) => m.role === "assistant");
  if (last < 0) throw new FieldError(field, "expected an assistant message to judge; the conversation has none");
  if (last !== messages.length - 1) {
    throw new FieldError(
      field,
      `expected the conversation to end with the assistant message the label judges; it ends with '${messages[messages.length - 1]!.role}'`,
    );
  }
  if (last === 0) throw new FieldError(field, "expected prompt messages before the assistant message the label judges");
  return { prompt: messages.slice(0, last), response: messages[last]!.content };
}

function verdictRow(prompt: string, promptMessages: ChatMessage[] | null, response: string, good: boolean) {
  return {
    kind: "single" as const,
    prompt,
    promptMessages,
    responseA: response,
    responseB: null,
    responses: null,
    labels: [{ preferred: good ? ("good" as const) : ("bad" as const), annotator: null }],
  };
}

export const unpairedGoodBad: PreferenceFormat = {
  id: "unpaired",
  title: "unpaired good/bad (KTO)",
  rule:
    "a `prompt` with one response (`completion`, `response` or `output`), or a conversation (`messages`, `conversations`) " +
    "whose last assistant message is the response, and a boolean `label` (true = good)",
  labelSource: "human",
  match(r): ColumnRoles | null {
    if (!has(r, "label") || !isVerdict(r.label)) return null;
    const response = firstPresent(r, RESPONSE);
    if (has(r, "prompt") && response !== undefined) return { prompt: "prompt", ...promptPartRoles(r, "prompt"), response, label: "label" };
    const conversation = CONVERSATION.find((c) => isMessageList(r[c]));
    return conversation === undefined ? null : { conversation, label: "label" };
  },
  convert(r: SourceRecordValue, columns: ColumnRoles) {
    const good = parseVerdict(r[columns.label as string], columns.label as string);
    if (columns.conversation !== undefined) {
      const col = columns.conversation as string;
      const { prompt, response } = splitLastAssistant(r[col], col);
      return verdictRow(renderPrompt(prompt), prompt, response, good);
    }
    const responseCol = columns.response as string;
    // A response column mapped onto a whole conversation: judge its last assistant turn.
    if (Array.isArray(r[responseCol])) {
      const { prompt, response } = splitLastAssistant(r[responseCol], responseCol);
      return verdictRow(renderPrompt(prompt), prompt, response, good);
    }
    const { prompt, messages } = composePrompt(r, columns);
    return verdictRow(prompt, messages, requireText(r, responseCol), good);
  },
};
