/** One record read from a source file. Rows and lines are 1-based. */
export interface SourceRecord {
  value: Record<string, unknown>;
  row: number;
  line?: number;
}
