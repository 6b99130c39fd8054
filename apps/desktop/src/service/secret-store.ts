/**
 * Secrets (the LLM-labeler API key) live in the OS keychain, never in SQLite, logs or reports.
 * Electron provides the keychain through safeStorage (src/main/secret-store-electron.ts); where
 * there is none (browser mode, CLI), secrets cannot be stored and the store says so.
 */
import { LabConflictError } from "../shared/errors.ts";

export interface SecretStore {
  /** Whether secrets can be kept (an OS keychain is available). */
  readonly available: boolean;
  has(name: string): boolean;
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  /**
   * A value handed over by the process that holds the keychain (the desktop app's main process
   * hands the service process what it decrypted; null: the secret was cleared). Memory only.
   */
  receive?(name: string, value: string | null): void;
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
 * keychain): whether a secret is set comes from the encrypted file's entry names; its value only
 * from what the main process hands over (`receive`), kept in this process's memory. It never
 * writes the file.
 */
export function handedOverSecretStore(file: string, readText: (file: string) => string): SecretStore {
  const values = new Map<string, string>();
  const names = (): string[] => {
    try {
      return Object.keys(JSON.parse(readText(file)) as Record<string, unknown>);
    } catch {
      return [];
    }
  };
  return {
    available: false,
    has: (name) => values.has(name) || names().includes(name),
    get: (name) => values.get(name) ?? null,
    set: () => {
      throw new Error("Secrets are stored by the desktop app's main process (OS keychain), not by the service.");
    },
    delete: () => {},
    receive(name, value) {
      if (value === null) values.delete(name);
      else values.set(name, value);
    },
  };
}

/**
 * The service's answers to `settings.setLlmApiKey` / `clearLlmApiKey`. In the desktop app the main
 * process answers these itself (src/main/secret-store-electron.ts) and they never reach the
 * service; here they are reached from browser mode or the CLI, which have no keychain, and are
 * refused, so a key typed into a browser tab is never stored in a weaker place.
 */
export function llmKeyHandlers<S>(secrets: SecretStore, settings: () => S) {
  const refuse = (): never => {
    throw new LabConflictError(
      "The API key can only be kept by the desktop app (in the OS keychain). In browser mode or the CLI, set GOODHART_LLM_API_KEY in the environment of the process that serves the lab.",
    );
  };
  return {
    setLlmApiKey: async (raw: unknown): Promise<S> => {
      if (!secrets.available) refuse();
      secrets.set(LLM_API_KEY, (raw as { key: string }).key);
      return settings();
    },
    clearLlmApiKey: async (): Promise<S> => {
      if (!secrets.available) refuse();
      secrets.delete(LLM_API_KEY);
      return settings();
    },
  };
}
