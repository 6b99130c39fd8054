/**
 * Secrets (the LLM-labeler API key) live in the OS keychain, never in SQLite, logs or reports.
 * Electron provides the keychain through safeStorage (src/main/secret-store-electron.ts); where
 * there is none (browser mode, CLI), secrets cannot be stored and the store says so.
 */
export interface SecretStore {
  /** Whether secrets can be kept (an OS keychain is available). */
  readonly available: boolean;
  has(name: string): boolean;
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
}

/** The store used without Electron: holds nothing and refuses to store. */
export const noSecretStore: SecretStore = {
  available: false,
  has: () => false,
  get: () => null,
  set: () => {
    throw new Error("Secrets can only be stored by the desktop app, which uses the OS keychain; browser mode and the CLI read none.");
  },
  delete: () => {},
};

export const LLM_API_KEY = "llm-labeler-api-key";

/**
 * The service host's view of secrets stored by the Electron main process (which alone can use the
 * keychain): it can tell whether a secret is set, never read or write one.
 */
export function presenceOnlySecretStore(file: string, readText: (file: string) => string): SecretStore {
  const names = (): string[] => {
    try {
      return Object.keys(JSON.parse(readText(file)) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  return {
    available: false,
    has: (name) => names().includes(name),
    get: () => null,
    set: () => {
      throw new Error("Secrets are stored by the desktop app's main process (OS keychain), not by the service.");
    },
    delete: () => {},
  };
}
