/**
 * Runs imported from other tools (runs.import) carry `external` in their config: the tool, the
 * trainer detected from the log, the format and the file. Screens mark them "external".
 */
import type { RunDto } from "../../shared/index.ts";

export interface ExternalSource {
  tool: string;
  trainer: string;
  format: string;
  file: string;
}

/** The run's source when it was imported from another tool, else null. */
export function externalSource(run: Pick<RunDto, "config">): ExternalSource | null {
  const e = run.config.external;
  if (typeof e !== "object" || e === null || Array.isArray(e)) return null;
  const r = e as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  return { tool: text(r.tool), trainer: text(r.trainer), format: text(r.format), file: text(r.file) };
}
