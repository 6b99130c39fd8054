import { isMessageObject, renderPrompt, toMessage, toMessages } from "../chat.ts";
import { FieldError } from "../errors.ts";
import { type PreferenceFormat, chosenFirst } from "./format.ts";

export const llamaFactoryRanking: PreferenceFormat = {
  id: "llamafactory-ranking",
  title: "LLaMA-Factory ranking (ShareGPT)",
  rule: "a `conversations` list of `{from, value}` messages and `chosen`/`rejected` message objects",
  labelSource: "human",
  match(r) {
    return Array.isArray(r.conversations) && isMessageObject(r.chosen) && isMessageObject(r.rejected)
      ? { prompt: "conversations", chosen: "chosen", rejected: "rejected" }
      : null;
  },
  convert(r) {
    const messages = toMessages(r.conversations, "conversations");
    if (messages[messages.length - 1]!.role === "assistant") {
      throw new FieldError("conversations", "expected the conversation to end with a human turn before the ranked responses");
    }
    return chosenFirst(renderPrompt(messages), messages, toMessage(r.chosen, "chosen").content, toMessage(r.rejected, "rejected").content);
  },
};
