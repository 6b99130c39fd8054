/** One record read from a source file. Rows and lines are 1-based. */
export interface SourceRecord {
  value: Record<string, unknown>;
  row: number;
  line?: number;
  /** For a sharded dataset: the shard and the row within it, for error messages, and the shard's split. */
  shard?: { file: string; row: number; split: string | null };
}
