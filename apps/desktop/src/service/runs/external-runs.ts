/**
 * `runs.import` and `runs.rescore`: runs made with other tools (TRL, OpenRLHF, verl, W&B exports),
 * imported through libs/storage's run-import and shown beside the lab's own (their config carries
 * `external`). Rescoring gives a run from another tool the gold curve it never had: each rollout
 * sample is scored offline by the built-in task's gold judge (rescore-gold.ts) or by a reward model
 * the lab trained (rescore-model.ts).
 */
import { type LabStore, RunLogError, importRunLog } from "@goodhart/storage";
import { LabNotFoundError, LabValidationError } from "../../shared/errors.ts";
import type { LabInput, RescoreDto, RunImportDto } from "../../shared/lab-api.ts";
import type { RunDto } from "../../shared/dto.ts";
import { rescoreWithGold } from "./rescore-gold.ts";
import { rescoreWithLabModel } from "./rescore-model.ts";

export function externalRunsHandlers(store: LabStore, toDto: (runId: number) => RunDto) {
  return {
    import: async (raw: unknown): Promise<RunImportDto> => {
      const input = raw as LabInput<"runs", "import">;
      if (input.runId !== undefined) toDto(input.runId);
      try {
        const r = importRunLog(store, input.path, { format: input.format, name: input.name, runId: input.runId });
        return {
          run: toDto(r.runId),
          format: r.format,
          duplicate: r.duplicate,
          metrics: r.metrics,
          curvePoints: r.curvePoints,
          samples: r.samples,
        };
      } catch (err) {
        // A malformed log names its file and line; nothing was stored.
        if (err instanceof RunLogError) throw new LabValidationError(err.message);
        throw err;
      }
    },
    rescore: async (raw: unknown): Promise<RescoreDto> => {
      const input = raw as LabInput<"runs", "rescore">;
      toDto(input.runId);
      if (input.with === "gold") return rescoreWithGold(store, input.runId);
      const model = /^model:(\d+)$/.exec(input.with);
      if (model) return rescoreWithLabModel(store, input.runId, Number(model[1]));
      throw new LabNotFoundError(
        `No scorer '${input.with}': use 'gold' (the built-in task's gold judge) or 'model:<id>' (a reward model the lab trained; goodhart runs show lists a run's models).`,
      );
    },
  };
}
