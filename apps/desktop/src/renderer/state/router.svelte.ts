/** Which screen is shown, and the keyboard shortcuts that move between them. */

export const SCREENS = [
  { id: "workspace", title: "Workspace", key: "1" },
  { id: "datasets", title: "Datasets", key: "2" },
  { id: "experiment", title: "Experiment", key: "3" },
  { id: "runs", title: "Runs", key: "4" },
  { id: "compare", title: "Compare", key: "5" },
  { id: "export", title: "Export", key: "6" },
  { id: "labels", title: "Labels", key: "7" },
  { id: "models", title: "Models", key: "8" },
] as const;

export type ScreenId = (typeof SCREENS)[number]["id"];

export class Router {
  screen = $state<ScreenId>("workspace");
  /** The run the Runs screen shows. */
  selectedRunId = $state<number | null>(null);
  /** Runs picked for Compare and Export. */
  compareIds = $state<number[]>([]);
  /** The dataset the Datasets screen shows. */
  selectedDatasetId = $state<number | null>(null);

  go(screen: ScreenId): void {
    this.screen = screen;
  }

  openRun(id: number): void {
    this.selectedRunId = id;
    this.screen = "runs";
  }

  toggleCompare(id: number): void {
    this.compareIds = this.compareIds.includes(id) ? this.compareIds.filter((x) => x !== id) : [...this.compareIds, id];
  }

  /** Alt+1..7 switch screens; returns true when the key was handled. */
  handleKey(e: Pick<KeyboardEvent, "altKey" | "ctrlKey" | "metaKey" | "key" | "code">): boolean {
    if (!e.altKey || e.ctrlKey || e.metaKey) return false;
    const digit = e.code?.startsWith("Digit") ? e.code.slice(5) : e.key;
    const target = SCREENS.find((s) => s.key === digit);
    if (!target) return false;
    this.go(target.id);
    return true;
  }
}
