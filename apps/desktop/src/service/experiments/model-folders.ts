/**
 * The registered model folders a study starts from (`model:<id>` in basePolicy.init, proxy.init),
 * as the service hands them to the run's worker. The worker has no database: the service looks
 * the folders up when it queues the job and sends their paths in the worker's start message.
 */
import type { ModelFolderRef } from "@goodhart/objectives";
import { modelIdOf } from "@goodhart/objectives";
import type { LabStore } from "@goodhart/storage";
import { HF_MODEL_KIND } from "../models.ts";

/** Every `model:<id>` a config sets, with the field that sets it (a plain study or a `{study, grid?}` job). */
export function modelRefsOf(config: unknown): { field: string; id: number }[] {
  const refs: { field: string; id: number }[] = [];
  const visit = (v: unknown, field: string): void => {
    const id = modelIdOf(v);
    if (id !== null) refs.push({ field, id });
    else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${field}[${i}]`));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) visit(x, field ? `${field}.${k}` : k);
  };
  visit(config, "");
  return refs;
}

/** Every model id a config names. */
export function modelIdsOf(config: unknown): number[] {
  return [...new Set(modelRefsOf(config).map((r) => r.id))].sort((a, b) => a - b);
}

function registered(store: LabStore, id: number) {
  const m = store.models.get(id);
  return m && m.kind === HF_MODEL_KIND && m.path ? m : undefined;
}

/** The model refs `config` sets that name no registered model folder of this lab. */
export function missingModels(store: LabStore, config: unknown): { field: string; id: number }[] {
  return modelRefsOf(config).filter((r) => !registered(store, r.id));
}

/** The folder of every model `config` names, by id (what the worker's start message carries). */
export function modelFoldersFor(store: LabStore, config: unknown): Record<number, ModelFolderRef> {
  return Object.fromEntries(
    modelIdsOf(config).flatMap((id) => {
      const m = registered(store, id);
      return m ? [[id, { id, name: m.name, path: m.path!, ...(m.hash ? { fingerprint: m.hash } : {}) }]] : [];
    }),
  );
}
