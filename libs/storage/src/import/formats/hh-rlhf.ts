import { parseTranscript } from "../chat.ts";
import { FieldError } from "../errors.ts";
import { type PreferenceFormat, has, requireText } from "./format.ts";

const ASSISTANT = "\n\nAssistant:";

/**
 * Splits two HH transcripts at the last `Assistant:` turn they share: the shared dialogue before
 * it is the prompt, what follows in each is that response.
 */
export function splitTranscripts(chosen: string, rejected: string): { prefix: string; chosen: string; rejected: string } | undefined {
  let shared = 0;
  const limit = Math.min(chosen.length, rejected.length);
  while (shared < limit && chosen.charCodeAt(shared) === rejected.charCodeAt(shared)) shared++;
  const cut = shared >= ASSISTANT.length ? chosen.lastIndexOf(ASSISTANT, shared - ASSISTANT.length) : -1;
  if (cut < 0) return undefined;
  return {
    prefix: chosen.slice(0, cut),
    chosen: chosen.slice(cut + ASSISTANT.length).trim(),
    rejected: rejected.slice(cut + ASSISTANT.length).trim(),
  };
}

export const hhRlhf: PreferenceFormat = {
  id: "hh-rlhf",
  title: "Anthropic HH-RLHF transcripts",
  rule: "text columns `chosen` and `rejected` holding whole `Human:`/`Assistant:` dialogues, and no `prompt` column",
  labelSource: "human",
  match(r) {
    if (has(r, "prompt") || typeof r.chosen !== "string" || typeof r.rejected !== "string") return null;
    return r.chosen.includes("Assistant:") && r.chosen.includes("Human:") ? { chosen: "chosen", rejected: "rejected" } : null;
  },
  convert(r) {
    const chosen = requireText(r, "chosen");
    const rejected = requireText(r, "rejected");
    const split = splitTranscripts(chosen, rejected);
    if (!split)
      throw new FieldError(
        "rejected",
        "chosen and rejected share no dialogue ending in an `Assistant:` turn, so the prompt cannot be split off",
      );
    const messages = parseTranscript(split.prefix);
    return {
      kind: "pair",
      prompt: split.prefix.trim(),
      promptMessages: messages,
      responseA: split.chosen,
      responseB: split.rejected,
      responses: null,
      labels: [{ preferred: "a", annotator: null }],
    };
  },
};
