import { describe, expect, it } from "vitest";
import {
  ChatCompletionsClient,
  JUDGE_TEMPLATES,
  pairKey,
  parseVerdict,
  renderTemplate,
  templateKey,
  verdictToPreference,
} from "./llm-judge.ts";

describe("LLM judge protocol", () => {
  it("reads a standalone 1/2/0 and calls anything else malformed", () => {
    expect(parseVerdict("1")).toBe(1);
    expect(parseVerdict(" 2\n")).toBe(2);
    expect(parseVerdict("Response 2")).toBe(2);
    expect(parseVerdict("0")).toBe(0);
    expect(parseVerdict("12")).toBeNull();
    expect(parseVerdict("1.5")).toBeNull();
    expect(parseVerdict("both fine")).toBeNull();
    expect(parseVerdict("")).toBeNull();
  });
  it("maps a verdict back to A/B by the order asked", () => {
    expect(verdictToPreference(1, "ab")).toBe("a");
    expect(verdictToPreference(1, "ba")).toBe("b");
    expect(verdictToPreference(2, "ab")).toBe("b");
    expect(verdictToPreference(2, "ba")).toBe("a");
    expect(verdictToPreference(0, "ba")).toBe("tie");
    expect(verdictToPreference(null, "ab")).toBeNull();
  });
  it("renders templates and keys them by their wording", () => {
    const t = JUDGE_TEMPLATES.overall!;
    const { user } = renderTemplate(t, "P", "first", "second");
    expect(user).toMatch(/^Prompt:\nP\n\nResponse 1:\nfirst\n\nResponse 2:\nsecond\n\n/);
    expect(templateKey(t)).toMatch(/^overall-v1#[0-9a-f]{16}$/);
    expect(templateKey({ ...t, user: t.user + " " })).not.toBe(templateKey(t));
    expect(pairKey({ prompt: "p", responseA: "a", responseB: "b" })).not.toBe(pairKey({ prompt: "p", responseA: "b", responseB: "a" }));
  });
  it("refuses a missing key, model or a bad URL without echoing the key", () => {
    expect(() => new ChatCompletionsClient({ baseUrl: "http://127.0.0.1:1/v1", model: "m", apiKey: "" })).toThrow(
      /no API key \(set GOODHART_LLM_API_KEY/,
    );
    expect(() => new ChatCompletionsClient({ baseUrl: "http://127.0.0.1:1/v1", model: "", apiKey: "k" })).toThrow(/no model/);
    expect(() => new ChatCompletionsClient({ baseUrl: "not a url", model: "m", apiKey: "secret-k" })).toThrow(
      /base URL 'not a url' is not a URL/,
    );
  });
});
