/** Light and dark themes: follows the system until the user picks one, which is remembered. */

export type ThemeName = "light" | "dark";
const KEY = "goodhart.theme";

export class Theme {
  name = $state<ThemeName>("light");

  constructor(
    storage: Pick<Storage, "getItem" | "setItem"> | null = globalThis.localStorage ?? null,
    prefersDark = globalThis.matchMedia?.("(prefers-color-scheme: dark)").matches ?? false,
  ) {
    this.#storage = storage;
    const saved = storage?.getItem(KEY);
    this.name = saved === "dark" || saved === "light" ? saved : prefersDark ? "dark" : "light";
  }

  #storage: Pick<Storage, "getItem" | "setItem"> | null;

  set(name: ThemeName): void {
    this.name = name;
    this.#storage?.setItem(KEY, name);
  }

  toggle(): void {
    this.set(this.name === "dark" ? "light" : "dark");
  }
}
