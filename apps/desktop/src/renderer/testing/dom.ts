/** Small DOM helpers for component tests (jsdom). */
import { flushSync } from "svelte";

/** Waits until `check` returns a truthy value, flushing Svelte updates between tries. */
export async function waitFor<T>(check: () => T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    flushSync();
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`waitFor timed out after ${timeoutMs} ms; body: ${document.body.textContent?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first element matching a selector, or a clear failure. */
export function $(selector: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no element matches ${selector}`);
  return el;
}

/** Types into an input the way a user does (value + input event). */
export function type(el: HTMLElement, value: string): void {
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/** Clicks and flushes. */
export function click(el: HTMLElement): void {
  el.click();
  flushSync();
}

/** Picks an option of a select the way a user does (value + change event). */
export function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

/** A directory entry as Chromium's `webkitGetAsEntry` gives it for a dropped folder (readEntries in batches of two, then empty). */
interface FakeEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?: (ok: (f: File) => void) => void;
  createReader?: () => { readEntries: (ok: (e: FakeEntry[]) => void) => void };
}

function folderEntry(name: string, files: Record<string, File>): FakeEntry {
  const children = new Map<string, Record<string, File>>();
  const entries: FakeEntry[] = [];
  for (const [path, file] of Object.entries(files)) {
    const slash = path.indexOf("/");
    if (slash < 0) entries.push({ isFile: true, isDirectory: false, name: path, file: (ok) => ok(file) });
    else {
      const sub = path.slice(0, slash);
      if (!children.has(sub)) children.set(sub, {});
      children.get(sub)![path.slice(slash + 1)] = file;
    }
  }
  for (const [sub, subFiles] of children) entries.push(folderEntry(sub, subFiles));
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => {
      const batches = [entries.slice(0, 2), entries.slice(2), []];
      return { readEntries: (ok) => ok(batches.shift() ?? []) };
    },
  };
}

/** The `dataTransfer` of a folder dropped from a file manager: one directory item whose files are `files` (paths inside the folder). */
export function folderTransfer(name: string, files: Record<string, File>): Pick<DataTransfer, "items" | "files"> {
  const entry = folderEntry(name, files);
  return {
    items: [{ kind: "file", webkitGetAsEntry: () => entry }] as unknown as DataTransferItemList,
    files: [] as unknown as FileList,
  };
}
