/**
 * The sweep fields of the Experiment screen: each swept parameter gets a list of values, written
 * separated by `|` or `;` (commas belong to JSON arrays), e.g. `4 | 16 | 64`. The grid itself (the
 * Cartesian product, one experiment per point) is expanded by the service through LabApi
 * `kinds.expand`: the one expander lives in libs/objectives, which the renderer may not import.
 */
import { parseFieldValue } from "./config-paths.ts";

/** Splits a sweep field into values typed like the default; empty means "not swept". */
export function parseSweepValues(text: string, like: unknown): unknown[] {
  return text
    .split(/[|;]/)
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => parseFieldValue(s, like));
}
