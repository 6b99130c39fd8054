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
