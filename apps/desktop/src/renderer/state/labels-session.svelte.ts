/**
 * A person's pairwise labelling session (the Labels screen): the pairs of one dataset in row order,
 * the current one, what this session answered (for undo), and an outbox of labels not yet accepted
 * by the lab. Answers go to the outbox first and are sent in order; when the lab does not answer
 * (offline, restarting) they wait there - kept in the page's storage so a reload loses nothing - and
 * are sent again every few seconds. Undo takes back the last answer: still in the outbox it is just
 * dropped, already sent it is removed through LabApi (labels.remove).
 */
import type { ExampleDto, LabApi } from "../../shared/index.ts";

export type Answer = "a" | "b" | "tie";

/** The questions a person can be asked: overall, or one capability of the built-in task's gold. */
export const QUESTIONS: readonly { dimension: string; text: string }[] = [
  { dimension: "overall", text: "Which response is better overall?" },
  { dimension: "sentiment", text: "Which response expresses the sentiment the prompt asks for?" },
  { dimension: "informativeness", text: "Which response gives the requested, correct information?" },
  { dimension: "fluency", text: "Which response reads as more fluent text?" },
  { dimension: "repetition", text: "Which response repeats itself less?" },
  { dimension: "length", text: "Which response has the more appropriate length?" },
];

export interface OutboxItem {
  /** Unique within the page: ties the outbox entry to its history entry. */
  key: string;
  exampleId: number;
  dimension: string;
  preferred: Answer;
  annotator: string;
}

interface HistoryEntry {
  index: number;
  kind: "answer" | "skip";
  key?: string;
  /** Set once the lab accepted the label. */
  labelId?: number;
}

/** Where the outbox and annotator name survive a reload (localStorage in the page). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const OUTBOX_KEY = "goodhart.labels.outbox";
const ANNOTATOR_KEY = "goodhart.labels.annotator";
const RETRY_MS = 2000;

export class LabelsSession {
  datasetId = $state<number | null>(null);
  dimension = $state("overall");
  annotator = $state("");
  pairs = $state.raw<ExampleDto[]>([]);
  index = $state(0);
  outbox = $state.raw<OutboxItem[]>([]);
  /** False while the lab does not answer; answers then wait in the outbox. */
  online = $state(true);
  error = $state<string | null>(null);
  /** How many pairs this session answered (not skipped), undo included. */
  answered = $state(0);

  #history: HistoryEntry[] = [];
  #sending = false;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #next = 0;

  constructor(
    private readonly api: LabApi,
    private readonly storage: KeyValueStore | null = typeof localStorage === "undefined" ? null : localStorage,
  ) {
    this.annotator = storage?.getItem(ANNOTATOR_KEY) ?? "";
    try {
      this.outbox = JSON.parse(storage?.getItem(OUTBOX_KEY) ?? "[]") as OutboxItem[];
    } catch {
      this.outbox = [];
    }
  }

  get current(): ExampleDto | null {
    return this.pairs[this.index] ?? null;
  }

  get question(): string {
    return QUESTIONS.find((q) => q.dimension === this.dimension)?.text ?? `Which response is better on ${this.dimension}?`;
  }

  get done(): boolean {
    return this.pairs.length > 0 && this.index >= this.pairs.length;
  }

  setAnnotator(name: string): void {
    this.annotator = name;
    this.storage?.setItem(ANNOTATOR_KEY, name);
  }

  /** Loads a dataset's pairwise examples (up to 1000 per page, all pages) and starts at the first. */
  async load(datasetId: number): Promise<void> {
    this.datasetId = datasetId;
    const pairs: ExampleDto[] = [];
    let afterRow = 0;
    for (;;) {
      const page = await this.api.datasets.examples({ id: datasetId, afterRow, limit: 1000 });
      if (page.length === 0) break;
      afterRow = page[page.length - 1]!.rowIndex;
      pairs.push(...page.filter((e) => e.kind === "pair" && e.responseA !== null && e.responseB !== null));
      if (page.length < 1000) break;
    }
    this.pairs = pairs;
    this.index = 0;
    this.answered = 0;
    this.#history = [];
  }

  /** Records an answer for the current pair and moves on; refused without an annotator name. */
  answer(preferred: Answer): boolean {
    const pair = this.current;
    if (!pair) return false;
    if (!this.annotator.trim()) {
      this.error = "Enter your name as annotator first.";
      return false;
    }
    this.error = null;
    const key = `${Date.now()}-${this.#next++}`;
    this.#setOutbox([...this.outbox, { key, exampleId: pair.id, dimension: this.dimension, preferred, annotator: this.annotator.trim() }]);
    this.#history.push({ index: this.index, kind: "answer", key });
    this.index++;
    this.answered++;
    void this.flush();
    return true;
  }

  skip(): void {
    if (!this.current) return;
    this.#history.push({ index: this.index, kind: "skip" });
    this.index++;
  }

  /** Takes back the last answer or skip and shows that pair again. */
  async undo(): Promise<void> {
    const last = this.#history.pop();
    if (!last) return;
    this.index = last.index;
    if (last.kind === "skip") return;
    this.answered--;
    if (this.outbox.some((o) => o.key === last.key)) {
      this.#setOutbox(this.outbox.filter((o) => o.key !== last.key));
      return;
    }
    if (last.labelId !== undefined) {
      try {
        await this.api.labels.remove({ id: last.labelId });
      } catch (e) {
        this.error = `Undo failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }

  /** Sends the outbox in order; stops at the first failure and retries later. */
  async flush(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (this.outbox.length > 0) {
        const item = this.outbox[0]!;
        let id: number;
        try {
          id = (
            await this.api.labels.add({
              exampleId: item.exampleId,
              dimension: item.dimension,
              preferred: item.preferred,
              source: "human",
              annotator: item.annotator,
            })
          ).id;
        } catch {
          this.online = false;
          this.#scheduleRetry();
          return;
        }
        this.online = true;
        const entry = this.#history.find((h) => h.key === item.key);
        if (entry) entry.labelId = id;
        // The item may have been undone while it was in flight: then take the label back at once.
        if (!this.outbox.some((o) => o.key === item.key)) await this.api.labels.remove({ id }).catch(() => {});
        else this.#setOutbox(this.outbox.filter((o) => o.key !== item.key));
      }
    } finally {
      this.#sending = false;
    }
  }

  dispose(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
  }

  #scheduleRetry(): void {
    if (this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.flush();
    }, RETRY_MS);
  }

  #setOutbox(next: OutboxItem[]): void {
    this.outbox = next;
    this.storage?.setItem(OUTBOX_KEY, JSON.stringify(next));
  }
}
