import type { ChatMessage } from "../../dto.ts";
import { isMessageList, isMessageObject, renderPrompt, sharedMessagePrefix, toMessage, toMessages } from "../chat.ts";
import { FieldError, describeValue } from "../errors.ts";
import { composePrompt, promptPartRoles } from "./prompt-parts.ts";
import {
  type ColumnRoles,
  type ConvertedRow,
  type PreferenceFormat,
  type SourceRecordValue,
  chosenFirst,
  firstPresent,
  has,
} from "./format.ts";

/** A response given as text, one message, or a conversation whose last message is the response. */
export function responseText(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (isMessageObject(value)) return toMessage(value, field).content;
  if (Array.isArray(value) && value.length > 0) {
    const messages = toMessages(value, field);
    const last = messages[messages.length - 1]!;
    if (last.role !== "assistant")
      throw new FieldError(field, `expected the conversation to end with an assistant message, it ends with '${last.role}'`);
    return last.content;
  }
  throw new FieldError(field, `expected text, a chat message or a list of chat messages, got ${describeValue(value)}`);
}

/** A prompt given as text or as chat messages. */
export function promptOf(value: unknown, field: string): { prompt: string; messages: ChatMessage[] | null } {
  if (typeof value === "string") return { prompt: value, messages: null };
  if (Array.isArray(value)) {
    const messages = toMessages(value, field);
    return { prompt: renderPrompt(messages), messages };
  }
  throw new FieldError(field, `expected text or a list of chat messages, got ${describeValue(value)}`);
}

/** Shared conversion for layouts with a prompt and chosen/rejected responses. */
export function convertPromptChosenRejected(r: SourceRecordValue, columns: ColumnRoles): ConvertedRow {
  const chosenCol = columns.chosen as string;
  const rejectedCol = columns.rejected as string;
  const promptCol = columns.prompt as string | undefined;
  if (promptCol === undefined) {
    // Conversational data with an implicit prompt: the messages both sides share.
    const chosen = toMessages(r[chosenCol], chosenCol);
    const rejected = toMessages(r[rejectedCol], rejectedCol);
    let shared = sharedMessagePrefix(chosen, rejected);
    if (shared === chosen.length || shared === rejected.length) shared--;
    if (shared < 1) throw new FieldError(rejectedCol, "chosen and rejected share no prompt messages");
    const prompt = chosen.slice(0, shared);
    return chosenFirst(
      renderPrompt(prompt),
      prompt,
      responseText(chosen.slice(shared), chosenCol),
      responseText(rejected.slice(shared), rejectedCol),
    );
  }
  const { prompt, messages } = composePrompt(r, columns);
  let chosen = responseText(r[chosenCol], chosenCol);
  let rejected = responseText(r[rejectedCol], rejectedCol);
  // Some exports repeat the prompt at the start of both responses: keep only what follows it.
  if (prompt.trim() !== "" && chosen.startsWith(prompt) && rejected.startsWith(prompt)) {
    chosen = chosen.slice(prompt.length).trimStart();
    rejected = rejected.slice(prompt.length).trimStart();
  }
  return chosenFirst(prompt, messages, chosen, rejected);
}

export const promptChosenRejected: PreferenceFormat = {
  id: "prompt-chosen-rejected",
  title: "prompt / chosen / rejected",
  rule:
    "columns `prompt` (or `instruction` [+ `input`]) [+ `system`], `chosen` and `rejected`, each text or chat messages; " +
    "or `chosen`/`rejected` conversations alone, whose shared first messages are the prompt",
  labelSource: "human",
  match(r) {
    if (!has(r, "chosen") || !has(r, "rejected")) return null;
    const prompt = firstPresent(r, ["prompt", "instruction"]);
    if (prompt !== undefined) {
      return { prompt, chosen: "chosen", rejected: "rejected", ...promptPartRoles(r, prompt) };
    }
    return isMessageList(r.chosen) && isMessageList(r.rejected) ? { chosen: "chosen", rejected: "rejected" } : null;
  },
  convert: convertPromptChosenRejected,
};
