/**
 * The LLM judge as the app runs it: an estimate before starting, a labeling job that runs in the
 * service process (it waits on HTTP, so it needs no worker thread; answers are cached in SQLite as
 * they arrive), its progress, and cancel. Jobs live in memory: a job lost to a restart is started
 * again and resumes from the cache.
 *
 * The API key is read here, at start, from the service's SecretStore (in the desktop app, the key
 * the main process decrypted from the OS keychain and handed to this process's memory) or else from
 * GOODHART_LLM_API_KEY in the environment (browser mode started from a shell, like the CLI). It is
 * passed to the labeler and nowhere else: not into a job's state, its errors (the client masks
 * it), the database or any answer.
 */
import type { LabStore } from "@goodhart/storage";
import { LabConflictError, LabNotFoundError, LabValidationError } from "../shared/errors.ts";
import type { LabInput, LlmEstimateDto, LlmJobDto } from "../shared/lab-api.ts";
import { estimateLlmLabeling, labelWithLlm } from "./labels.ts";
import { LLM_API_KEY, type SecretStore } from "./secret-store.ts";

/** The environment variable the CLI reads the key from; browser mode reads it too. */
export const LLM_API_KEY_ENV = "GOODHART_LLM_API_KEY";

interface Job {
  dto: LlmJobDto;
  abort: AbortController;
  /** Settles when the job has stopped (done, failed or cancelled). */
  finished: Promise<void>;
}

/** RangeErrors of the labeler (bad dataset, taken name, unknown template) are the caller's mistakes. */
function asLabError(e: unknown): Error {
  if (e instanceof RangeError) return new LabValidationError(e.message);
  return e instanceof Error ? e : new Error(String(e));
}

export function llmLabelingHandlers(store: LabStore, secrets: SecretStore, env: NodeJS.ProcessEnv = process.env) {
  const jobs = new Map<number, Job>();
  let nextId = 1;
  const apiKey = (): string => {
    const key = secrets.get(LLM_API_KEY) ?? env[LLM_API_KEY_ENV];
    if (!key)
      throw new LabConflictError(
        `No API key for the LLM judge: set it in Settings (the desktop app keeps it in the OS keychain), or start the lab with ${LLM_API_KEY_ENV} in its environment.`,
      );
    return key;
  };
  const job = (id: number): Job => {
    const j = jobs.get(id);
    if (!j) throw new LabNotFoundError(`LLM labeling job ${id} does not exist (jobs are kept until the lab restarts).`);
    return j;
  };

  return {
    estimateLlm: async (raw: unknown): Promise<LlmEstimateDto> => {
      const input = raw as LabInput<"labels", "estimateLlm">;
      try {
        return estimateLlmLabeling(store, input);
      } catch (e) {
        throw asLabError(e);
      }
    },
    startLlm: async (raw: unknown): Promise<LlmJobDto> => {
      const input = raw as LabInput<"labels", "startLlm">;
      if ([...jobs.values()].some((j) => j.dto.status === "running" && j.dto.name === input.name))
        throw new LabConflictError(`An LLM labeling job named '${input.name}' is already running.`);
      const key = apiKey();
      // The same checks labelWithLlm makes, before the job exists: a refusal starts nothing.
      let total: number;
      try {
        if (store.labelSets.byName(input.name))
          throw new RangeError(`a label set named '${input.name}' already exists; choose another name`);
        total = estimateLlmLabeling(store, input).comparisons;
      } catch (e) {
        throw asLabError(e);
      }
      const id = nextId++;
      const abort = new AbortController();
      const dto: LlmJobDto = {
        id,
        datasetId: input.datasetId,
        name: input.name,
        template: input.template,
        model: input.model,
        baseUrl: input.baseUrl,
        status: "running",
        done: 0,
        total,
        labelSetId: null,
        kept: null,
        inconsistent: null,
        malformed: null,
        requests: null,
        cached: null,
        notes: [],
        error: null,
        startedAt: new Date().toISOString(),
      };
      const finished = labelWithLlm(store, {
        datasetId: input.datasetId,
        template: input.template,
        name: input.name,
        endpoint: { baseUrl: input.baseUrl, model: input.model, apiKey: key },
        judge: {
          ...(input.requestsPerMinute ? { requestsPerMinute: input.requestsPerMinute } : {}),
          // Retry notices reach whoever follows the job (the CLI prints them); the latest 50 are kept.
          log: (line) => void (dto.notes = [...dto.notes, line].slice(-50)),
        },
        signal: abort.signal,
        onProgress: (done) => (dto.done = done),
      }).then(
        (r) => {
          Object.assign(dto, {
            status: "done",
            done: dto.total,
            labelSetId: r.labelSet.id,
            kept: r.summary.kept,
            inconsistent: r.summary.inconsistent,
            malformed: r.summary.malformed,
            requests: r.summary.requests,
            cached: r.summary.cached,
          });
        },
        (e: unknown) => {
          dto.status = abort.signal.aborted ? "cancelled" : "failed";
          dto.error = abort.signal.aborted
            ? "cancelled; the answers so far are cached, so starting it again resumes"
            : asLabError(e).message;
        },
      );
      jobs.set(id, { dto, abort, finished });
      return { ...dto };
    },
    llmJob: async (raw: unknown): Promise<LlmJobDto> => ({ ...job((raw as LabInput<"labels", "llmJob">).id).dto }),
    cancelLlm: async (raw: unknown): Promise<LlmJobDto> => {
      const j = job((raw as LabInput<"labels", "cancelLlm">).id);
      if (j.dto.status === "running") j.abort.abort(new Error("cancelled"));
      await j.finished;
      return { ...j.dto };
    },
  };
}
