/**
 * The LabApi handlers of the Labels screen beyond list/add/stats: undo of a person's label,
 * agreement among a dataset's labelers, built-in comparisons to label, the synthetic labeler
 * (`goodhart label synthetic`), and the LLM judge's jobs
 * (labels-llm.ts). Wired into lab-service.ts's `labels` service.
 */
import type { Dataset, LabStore } from "@goodhart/storage";
import { LabNotFoundError, LabValidationError } from "../shared/errors.ts";
import type { AgreementDto, LabelSetDto, LabInput } from "../shared/lab-api.ts";
import { datasetDto } from "./dto-mapping.ts";
import { createBuiltinComparisons, datasetAgreement, labelSynthetic } from "./labels.ts";
import { llmLabelingHandlers } from "./labels-llm.ts";
import { noSecretStore, type SecretStore } from "./secret-store.ts";

type Interval = { estimate: number; low: number; high: number; level: number; se: number; replicates: number; failed: number };

/** NaN (an undefined kappa) crosses the boundary as null. */
function interval(ci: Interval): AgreementDto["raw"] {
  const n = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    estimate: n(ci.estimate),
    low: n(ci.low),
    high: n(ci.high),
    level: ci.level,
    se: n(ci.se),
    replicates: ci.replicates,
    failed: ci.failed,
  };
}

/** The labelers' RangeErrors (unknown dataset or dimension, a taken name, bad noise) are the caller's mistakes. */
function validated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new LabValidationError(e.message);
    throw e;
  }
}

export function labelsHandlers(store: LabStore, requireDataset: (id: number) => Dataset, options: { secrets?: SecretStore } = {}) {
  return {
    ...llmLabelingHandlers(store, options.secrets ?? noSecretStore),
    remove: async (raw: unknown) => {
      const { id } = raw as LabInput<"labels", "remove">;
      if (!store.labels.removeHuman(id))
        throw new LabNotFoundError(
          `Label ${id} is not a person's label that can be undone (it does not exist, is not from a person, or a label set holds it).`,
        );
      return { ok: true as const };
    },
    agreement: async (raw: unknown): Promise<AgreementDto> => {
      const input = raw as LabInput<"labels", "agreement">;
      requireDataset(input.datasetId);
      let r;
      try {
        r = datasetAgreement(store, input.datasetId, input.dimension);
      } catch (e) {
        if (e instanceof RangeError) throw new LabValidationError(e.message);
        throw e;
      }
      return {
        datasetId: input.datasetId,
        dimension: r.dimension,
        raterNames: r.raterNames,
        items: r.items,
        raw: interval(r.raw),
        cohen: r.cohen && interval(r.cohen),
        fleiss: r.fleiss && { ...interval(r.fleiss), items: r.fleiss.items },
        pairwise: r.pairwise.map((p) => ({ raters: p.raters, items: p.items, raw: interval(p.raw), cohen: interval(p.cohen) })),
      };
    },
    createComparisons: async (raw: unknown) => {
      const input = raw as LabInput<"labels", "createComparisons">;
      return datasetDto(validated(() => createBuiltinComparisons(store, input)));
    },
    createSynthetic: async (raw: unknown): Promise<LabelSetDto[]> => {
      const input = raw as LabInput<"labels", "createSynthetic">;
      return validated(() => labelSynthetic(store, input));
    },
  };
}
