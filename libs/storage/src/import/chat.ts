import type { ChatMessage } from "../dto.ts";
import { FieldError, describeValue } from "./errors.ts";

const ROLE_ALIASES: Record<string, string> = {
  human: "user",
  user: "user",
  prompter: "user",
  gpt: "assistant",
  assistant: "assistant",
  bot: "assistant",
  model: "assistant",
  chatgpt: "assistant",
  system: "system",
};

const TRANSCRIPT_NAMES: Record<string, string> = { user: "Human", assistant: "Assistant", system: "System" };

/** True for `{role, content}` / `{from, value}` objects. */
export function isMessageObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return ("role" in v && "content" in v) || ("from" in v && "value" in v);
}

export function isMessageList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.every(isMessageObject);
}

function contentText(content: unknown, field: string): string {
  if (typeof content === "string") return content;
  // OpenAI-style content parts: [{type: "text", text}]
  if (
    Array.isArray(content) &&
    content.every((p) => typeof p === "object" && p !== null && typeof (p as { text?: unknown }).text === "string")
  ) {
    return content.map((p) => (p as { text: string }).text).join("");
  }
  throw new FieldError(field, `expected message content as text, got ${describeValue(content)}`);
}

/** Reads one `{role, content}` or ShareGPT `{from, value}` message. */
export function toMessage(value: unknown, field: string): ChatMessage {
  if (!isMessageObject(value))
    throw new FieldError(field, `expected a chat message {role, content} or {from, value}, got ${describeValue(value)}`);
  const rawRole = "role" in value ? value.role : value.from;
  if (typeof rawRole !== "string") throw new FieldError(field, `expected the message role as text, got ${describeValue(rawRole)}`);
  const content = "role" in value ? value.content : value.value;
  return { role: ROLE_ALIASES[rawRole.toLowerCase()] ?? rawRole, content: contentText(content, field) };
}

export function toMessages(value: unknown, field: string): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new FieldError(field, `expected a non-empty list of chat messages, got ${describeValue(value)}`);
  return value.map((m) => toMessage(m, field));
}

/** Renders messages as text: one user message is itself; otherwise a `Human:`/`Assistant:` transcript. */
export function renderPrompt(messages: readonly ChatMessage[]): string {
  if (messages.length === 1 && messages[0]!.role === "user") return messages[0]!.content;
  return messages.map((m) => `${TRANSCRIPT_NAMES[m.role] ?? m.role}: ${m.content.trim()}`).join("\n\n");
}

const TURN = /\n\n(Human|Assistant|System):/g;

/** Splits an Anthropic HH transcript (`\n\nHuman: ...\n\nAssistant: ...`) into messages. */
export function parseTranscript(text: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const source = text.startsWith("\n\n") ? text : `\n\n${text}`;
  const marks = [...source.matchAll(TURN)];
  if (marks.length === 0) return [{ role: "user", content: text.trim() }];
  const lead = source.slice(0, marks[0]!.index).trim();
  if (lead) messages.push({ role: "user", content: lead });
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.index : source.length;
    messages.push({ role: ROLE_ALIASES[m[1]!.toLowerCase()]!, content: source.slice(m.index + m[0].length, end).trim() });
  });
  return messages;
}

/** Length of the common prefix of two arrays of messages. */
export function sharedMessagePrefix(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.role === b[i]!.role && a[i]!.content === b[i]!.content) i++;
  return i;
}
