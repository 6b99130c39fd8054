/**
 * verl's console logger (`trainer.logger=['console']`, its default): one line per training step,
 * `step:<n> - <key>:<value> - <key>:<value> ...`, usually behind Ray's `(main_task pid=...)` prefix
 * and mixed with other output, which is passed over. Older verl prints each value with 3
 * decimals (`{v:.3f}`), newer verl as Python repr (`np.float64(0.25)`); both are read.
 */
import { RunLogError } from "./run-log.ts";

/** `step:<n> - ...` at the start of a line or after a prefix such as `(main_task pid=1) `. */
const STEP_LINE = /(?:^|[\s)])step:(\d+)((?: - .*)?)$/;
/** A line of verl's console logger somewhere in the text (format detection). */
export const VERL_CONSOLE_LINE = /(?:^|[\s)])step:\d+ - [^\s:]+:\S/m;

/**
 * The step lines of a console log as `{line, record}` (record: `step` and `data`, as verl's file
 * logger writes them). A key printed twice in one line keeps its first value; the repeat is
 * counted in `repeated` (a dict-based logger cannot print one, so the line was edited).
 */
export function verlConsoleRecords(
  text: string,
  file: string,
  repeated: Record<string, number>,
): { line: number; record: Record<string, unknown> }[] {
  const out: { line: number; record: Record<string, unknown> }[] = [];
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((raw, i) => {
      // Ray colours its prefixes; the escape codes are not part of the metrics.
      const m = STEP_LINE.exec(raw.replace(/\x1b\[[0-9;]*m/g, "").trimEnd());
      if (!m) return;
      const data: Record<string, unknown> = {};
      for (const part of m[2]!.split(" - ").slice(1)) {
        const colon = part.lastIndexOf(":");
        if (colon <= 0) throw new RunLogError(file, i + 1, `expected key:value between ' - ', got '${part.slice(0, 80)}'`);
        const key = part.slice(0, colon);
        const value = part.slice(colon + 1).replace(/^np\.float\d*\((.*)\)$/, "$1");
        if (key in data) repeated[key] = (repeated[key] ?? 0) + 1;
        else data[key] = value;
      }
      out.push({ line: i + 1, record: { step: Number(m[1]), data } });
    });
  if (out.length === 0) throw new RunLogError(file, null, "no verl console lines ('step:<n> - key:value - ...') in the file");
  return out;
}
