/**
 * Secrets encrypted with Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on
 * Windows, libsecret/kwallet on Linux) and kept as ciphertext in a file in the user-data folder,
 * never in SQLite. Where the only Linux backend is `basic_text` (a hard-coded key), secrets are
 * refused rather than stored in a form anyone could decrypt.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { SecretStore } from "../service/secret-store.ts";
import type { SafeStorage } from "./electron-types.ts";

export function createSafeStorageSecretStore(safeStorage: SafeStorage, file: string): SecretStore {
  const available = safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend?.() !== "basic_text";
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw err;
    }
  };
  const write = (entries: Record<string, string>): void => {
    if (Object.keys(entries).length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
    renameSync(temp, file);
  };
  return {
    available,
    has: (name) => Object.hasOwn(read(), name),
    get(name) {
      const entry = read()[name];
      if (entry === undefined || !available) return null;
      return safeStorage.decryptString(Buffer.from(entry, "base64"));
    },
    set(name, value) {
      if (!available)
        throw new Error(
          "The OS keychain is not available (on Linux, install and unlock a Secret Service such as GNOME Keyring or KWallet); the key was not stored.",
        );
      write({ ...read(), [name]: safeStorage.encryptString(value).toString("base64") });
    },
    delete(name) {
      const entries = read();
      delete entries[name];
      write(entries);
    },
  };
}
