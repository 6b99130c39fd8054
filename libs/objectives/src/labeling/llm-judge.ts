/**
 * The LLM judge labeler over any OpenAI-compatible chat-completions endpoint (POST
 * {baseUrl}/chat/completions). Quan 2024's protocol: every comparison is asked in both orders and
 * kept only when the two answers agree (the same response preferred, or tie both times), which
 * removes the judge's position bias from the kept labels.
 *
 * Robustness: one request at a time, started no faster than `requestsPerMinute`; 429, 5xx, network
 * errors and timeouts are retried with exponential backoff (a 429's Retry-After is honoured);
 * other 4xx fail at once. Every answer (also a malformed one: the model said it) is written to a
 * cache keyed by (pair, template, model, order) before the next request, so a labeling run that is
 * killed resumes where it stopped and never pays twice.
 *
 * The API key is passed in by the caller (environment variable or OS keychain) and used only in
 * the Authorization header: it is never part of a cache key, an error message or a progress event,
 * and any echo of it in a server's error body is masked.
 */
import { createHash } from "node:crypto";
import type { LabelComparison, PairPreference } from "./synthetic.ts";

export interface LlmEndpoint {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  apiKey: string;
}

/** A prompt template for one question (overall or a capability). */
export interface JudgeTemplate {
  name: string;
  /** The label dimension the answers become (`overall` or a capability). */
  dimension: string;
  system: string;
  /** With {prompt}, {response_1} and {response_2}. */
  user: string;
}

const ANSWER_RULE = "Answer with exactly one character: 1 if Response 1 is better, 2 if Response 2 is better, 0 if they are equally good.";

function template(dimension: string, question: string): JudgeTemplate {
  return {
    name: `${dimension}-v1`,
    dimension,
    system: `You compare two responses to the same prompt. ${question} ${ANSWER_RULE}`,
    user: "Prompt:\n{prompt}\n\nResponse 1:\n{response_1}\n\nResponse 2:\n{response_2}\n\nWhich response is better? " + ANSWER_RULE,
  };
}

/** One template per question: overall and the built-in task's capabilities. */
export const JUDGE_TEMPLATES: Readonly<Record<string, JudgeTemplate>> = {
  overall: template("overall", "Judge which response is better overall."),
  sentiment: template(
    "sentiment",
    "Judge only the sentiment: which response expresses the sentiment the prompt asks for, correctly handling negation?",
  ),
  informativeness: template(
    "informativeness",
    "Judge only informativeness: which response gives the requested, correct information without wrong or extra items?",
  ),
  fluency: template("fluency", "Judge only fluency: which response reads as grammatical, natural text?"),
  repetition: template("repetition", "Judge only repetition: which response repeats itself less?"),
  length: template("length", "Judge only length: which response has a more appropriate length for the request?"),
};

export function renderTemplate(t: JudgeTemplate, prompt: string, first: string, second: string): { system: string; user: string } {
  const fill = (s: string) => s.replaceAll("{prompt}", prompt).replaceAll("{response_1}", first).replaceAll("{response_2}", second);
  return { system: fill(t.system), user: fill(t.user) };
}

/** Identifies a template's exact wording, so an edited template never reuses old answers. */
export function templateKey(t: JudgeTemplate): string {
  return `${t.name}#${createHash("sha256").update(`${t.dimension}\n${t.system}\n${t.user}`).digest("hex").slice(0, 16)}`;
}

/** Identifies a comparison by its texts. */
export function pairKey(c: LabelComparison): string {
  return createHash("sha256").update(`${c.prompt}\u0000${c.responseA}\u0000${c.responseB}`).digest("hex");
}

/** `ab`: response A shown first; `ba`: B shown first. */
export type AskOrder = "ab" | "ba";

/** What the model answered, in the order it was shown: 1 = first shown, 2 = second, 0 = tie, null = malformed. */
export type Verdict = 0 | 1 | 2 | null;

export interface CachedAnswer {
  answer: string;
  verdict: Verdict;
}

export interface JudgeCacheKey {
  pair: string;
  template: string;
  model: string;
  order: AskOrder;
}

/** Where answers are kept between runs (libs/storage has the SQLite one). */
export interface JudgeCache {
  get(key: JudgeCacheKey): CachedAnswer | undefined;
  put(key: JudgeCacheKey, value: CachedAnswer): void;
}

/** A cache in memory (tests, one-off runs). */
export class MemoryJudgeCache implements JudgeCache {
  private readonly map = new Map<string, CachedAnswer>();
  private k(key: JudgeCacheKey): string {
    return `${key.pair}|${key.template}|${key.model}|${key.order}`;
  }
  get(key: JudgeCacheKey): CachedAnswer | undefined {
    return this.map.get(this.k(key));
  }
  put(key: JudgeCacheKey, value: CachedAnswer): void {
    this.map.set(this.k(key), value);
  }
}

/**
 * Reads a verdict from an answer: the first of 1/2/0 standing alone (so "Response 2" counts, a
 * number such as "12" does not); anything else is malformed.
 */
export function parseVerdict(answer: string): Verdict {
  const m = /(?:^|[^0-9.])([012])(?![0-9.])/.exec(answer.trim());
  return m ? (Number(m[1]) as 0 | 1 | 2) : null;
}

/** The preference in A/B terms given the verdict and the order asked. */
export function verdictToPreference(verdict: Verdict, order: AskOrder): PairPreference | null {
  if (verdict === null) return null;
  if (verdict === 0) return "tie";
  const firstWins = verdict === 1;
  return (order === "ab") === firstWins ? "a" : "b";
}

export class LlmRequestError extends Error {
  override name = "LlmRequestError";
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface JudgeOptions {
  requestsPerMinute?: number;
  /** Retries after the first attempt (429, 5xx, network errors, timeouts). Default 5. */
  maxRetries?: number;
  /** First backoff; doubles each retry. Default 1000 ms. */
  backoffMs?: number;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  /** max_tokens asked for. Default 4. */
  maxTokens?: number;
  /** Injected for tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Human-readable events (retries); never contains the key. */
  log?: (line: string) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Chat-completions client with rate limit, retries and key hygiene. */
export class ChatCompletionsClient {
  private nextStart = 0;
  private readonly url: string;

  constructor(
    private readonly endpoint: LlmEndpoint,
    private readonly options: JudgeOptions = {},
  ) {
    if (!endpoint.apiKey) throw new RangeError("LLM judge: no API key (set GOODHART_LLM_API_KEY, or store one in Settings)");
    if (!endpoint.model) throw new RangeError("LLM judge: no model name given");
    let url: URL;
    try {
      url = new URL(endpoint.baseUrl.replace(/\/+$/, "") + "/chat/completions");
    } catch {
      throw new RangeError(`LLM judge: base URL '${endpoint.baseUrl}' is not a URL`);
    }
    this.url = url.toString();
  }

  private mask(text: string): string {
    return this.endpoint.apiKey ? text.replaceAll(this.endpoint.apiKey, "***") : text;
  }

  /** Sends one chat and returns the first choice's message content. */
  async complete(system: string, user: string, signal?: AbortSignal): Promise<string> {
    const sleep = this.options.sleep ?? realSleep;
    const maxRetries = this.options.maxRetries ?? 5;
    const backoff = this.options.backoffMs ?? 1000;
    const rpm = this.options.requestsPerMinute;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      if (rpm && rpm > 0) {
        const wait = this.nextStart - Date.now();
        if (wait > 0) await sleep(wait);
        this.nextStart = Date.now() + 60_000 / rpm;
      }
      let retryAfterMs: number | null = null;
      let problem: string;
      let status: number | null = null;
      try {
        const response = await this.post(system, user, signal);
        status = response.status;
        const body = await response.text();
        if (response.ok) return this.readContent(body);
        problem = `HTTP ${response.status}: ${this.mask(body).slice(0, 200)}`;
        if (response.status !== 429 && response.status < 500)
          throw new LlmRequestError(`LLM judge: ${this.url} answered ${problem}`, response.status);
        const ra = Number(response.headers.get("retry-after"));
        if (response.status === 429 && Number.isFinite(ra) && ra >= 0) retryAfterMs = ra * 1000;
      } catch (e) {
        if (e instanceof LlmRequestError) throw e;
        if (signal?.aborted) throw signal.reason ?? e;
        problem =
          (e as Error).name === "TimeoutError"
            ? `no answer within ${this.options.timeoutMs ?? 60_000} ms`
            : this.mask(String((e as Error).message));
      }
      if (attempt >= maxRetries)
        throw new LlmRequestError(`LLM judge: ${this.url} failed after ${attempt + 1} attempts; last: ${problem}`, status);
      const delay = Math.max(retryAfterMs ?? 0, backoff * 2 ** attempt);
      this.options.log?.(`LLM judge: ${problem}; retry ${attempt + 1}/${maxRetries} in ${delay} ms`);
      await sleep(delay);
    }
  }

  private post(system: string, user: string, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    return fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.endpoint.apiKey}` },
      body: JSON.stringify({
        model: this.endpoint.model,
        temperature: 0,
        max_tokens: this.options.maxTokens ?? 4,
        messages: [
          { role: "system", content: system },
          { role: "user", content: user },
        ],
      }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  }

  private readContent(body: string): string {
    try {
      const json = JSON.parse(body) as { choices?: { message?: { content?: unknown } }[] };
      const content = json.choices?.[0]?.message?.content;
      if (typeof content === "string") return content;
    } catch {
      // fall through: a body that is not chat-completions JSON is a malformed answer
    }
    return "";
  }
}

/** The outcome for one comparison. */
export interface JudgedPair {
  index: number;
  /** The kept label, or null when the orders disagreed or an answer was malformed. */
  preferred: PairPreference | null;
  ab: PairPreference | null;
  ba: PairPreference | null;
  /** Why the pair was not kept. */
  dropped: "inconsistent" | "malformed" | null;
}

export interface JudgeRunSummary {
  pairs: JudgedPair[];
  kept: number;
  inconsistent: number;
  malformed: number;
  /** Requests actually sent (the rest came from the cache). */
  requests: number;
  cached: number;
}

/**
 * Judges every comparison in both orders, answers read from and written to `cache`. Stops with the
 * signal's reason when aborted; what was answered so far stays in the cache.
 */
export async function judgeComparisons(
  comparisons: readonly LabelComparison[],
  judgeTemplate: JudgeTemplate,
  client: ChatCompletionsClient,
  cache: JudgeCache,
  model: string,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<JudgeRunSummary> {
  const tKey = templateKey(judgeTemplate);
  let requests = 0;
  let cached = 0;
  const pairs: JudgedPair[] = [];
  for (let i = 0; i < comparisons.length; i++) {
    const c = comparisons[i]!;
    const pKey = pairKey(c);
    const answers: Record<AskOrder, PairPreference | null> = { ab: null, ba: null };
    for (const order of ["ab", "ba"] as const) {
      const key: JudgeCacheKey = { pair: pKey, template: tKey, model, order };
      let hit = cache.get(key);
      if (hit) cached++;
      else {
        const [first, second] = order === "ab" ? [c.responseA, c.responseB] : [c.responseB, c.responseA];
        const { system, user } = renderTemplate(judgeTemplate, c.prompt, first, second);
        const answer = await client.complete(system, user, options.signal);
        requests++;
        hit = { answer, verdict: parseVerdict(answer) };
        cache.put(key, hit);
      }
      answers[order] = verdictToPreference(hit.verdict, order);
    }
    const malformed = answers.ab === null || answers.ba === null;
    const agree = !malformed && answers.ab === answers.ba;
    pairs.push({
      index: i,
      preferred: agree ? answers.ab : null,
      ab: answers.ab,
      ba: answers.ba,
      dropped: malformed ? "malformed" : agree ? null : "inconsistent",
    });
    options.onProgress?.(i + 1, comparisons.length);
  }
  return {
    pairs,
    kept: pairs.filter((p) => p.preferred !== null).length,
    inconsistent: pairs.filter((p) => p.dropped === "inconsistent").length,
    malformed: pairs.filter((p) => p.dropped === "malformed").length,
    requests,
    cached,
  };
}

export interface JudgeEstimate {
  /** Requests still to send (both orders of every comparison, minus cached answers). */
  requests: number;
  cachedAnswers: number;
  inputTokens: number;
  outputTokens: number;
  /** In the price's currency; null without prices. */
  cost: number | null;
  /** Lower bound from the rate limit, or from `secondsPerRequest`. */
  seconds: number;
}

/**
 * Cost and time before starting. Tokens are estimated as characters / 4 (the usual rule of thumb
 * for English with GPT-style tokenizers); prices are per million tokens.
 */
export function estimateJudging(
  comparisons: readonly LabelComparison[],
  judgeTemplate: JudgeTemplate,
  cache: JudgeCache,
  model: string,
  options: {
    inputPricePerMTok?: number;
    outputPricePerMTok?: number;
    requestsPerMinute?: number;
    secondsPerRequest?: number;
    maxTokens?: number;
  } = {},
): JudgeEstimate {
  const tKey = templateKey(judgeTemplate);
  let requests = 0;
  let cachedAnswers = 0;
  let inputChars = 0;
  for (const c of comparisons) {
    for (const order of ["ab", "ba"] as const) {
      if (cache.get({ pair: pairKey(c), template: tKey, model, order })) {
        cachedAnswers++;
        continue;
      }
      requests++;
      const { system, user } = renderTemplate(judgeTemplate, c.prompt, c.responseA, c.responseB);
      inputChars += system.length + user.length;
    }
  }
  const inputTokens = Math.ceil(inputChars / 4);
  const outputTokens = requests * (options.maxTokens ?? 4);
  const priced = options.inputPricePerMTok !== undefined && options.outputPricePerMTok !== undefined;
  const perRequest = Math.max(options.requestsPerMinute ? 60 / options.requestsPerMinute : 0, options.secondsPerRequest ?? 0.5);
  return {
    requests,
    cachedAnswers,
    inputTokens,
    outputTokens,
    cost: priced ? (inputTokens * options.inputPricePerMTok! + outputTokens * options.outputPricePerMTok!) / 1e6 : null,
    seconds: requests * perRequest,
  };
}
