/**
 * Opaque file grants: the only way a page (Electron window or browser tab) names a file for
 * `datasets.detect` / `datasets.import`. The page never hands the lab a path: it gets a grant id
 * for a file the user dropped or picked (Electron) or uploaded (browser mode), and the front door
 * maps the id back to the path. A path the page makes up (say `~/.ssh/credentials`) is not a grant
 * and is refused, so an import followed by `datasets.examples` cannot read arbitrary files.
 *
 * The CLI is trusted (the user typed the path) and calls the service directly, without grants.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { LabValidationError } from "../shared/errors.ts";
import type { LabApi, LabInput } from "../shared/lab-api.ts";

/** A file reference the page did not get from a drop, a file picker or an upload. */
export class FileNotGrantedError extends Error {
  override name = "ForbiddenError";
}

interface Grant {
  path: string;
  /** An uploaded copy the lab owns: deleted once imported, or when the grants are disposed. */
  upload: boolean;
  /** A dropped folder (Electron): only a dataset import reads a folder as a whole. */
  folder: boolean;
}

const GRANT_PREFIX = "grant-";

/** One window's (or one browser-mode server's) grants. */
export class FileGrants {
  readonly #grants = new Map<string, Grant>();

  /** Grants access to `path`; returns the id the page uses in its place. */
  grant(path: string, options: { upload?: boolean; folder?: boolean } = {}): string {
    if (!isAbsolute(path)) throw new Error(`A file grant needs an absolute path, not '${path}'.`);
    const id = `${GRANT_PREFIX}${randomBytes(18).toString("base64url")}`;
    this.#grants.set(id, { path, upload: options.upload ?? false, folder: options.folder ?? false });
    return id;
  }

  /** The path behind a grant id; `use` names the call for the error message; a folder grant only where `folders` says. */
  resolve(ref: string, use: string, options: { folders?: boolean } = {}): string {
    const grant = this.#grants.get(ref);
    if (!grant) {
      throw new FileNotGrantedError(
        `${use}: '${ref}' is not a file dropped, chosen or uploaded in this window; the lab only reads files you hand it (drop the file on the window or choose it with the file picker).`,
      );
    }
    if (grant.folder && !options.folders) throw new LabValidationError(`${use}: '${grant.path}' is a folder; drop the file itself.`);
    return grant.path;
  }

  /** Forgets a grant; an uploaded copy is deleted. */
  async release(ref: string): Promise<void> {
    const grant = this.#grants.get(ref);
    if (!grant) return;
    this.#grants.delete(ref);
    if (grant.upload) await rm(grant.path, { force: true });
  }

  /** Forgets every grant and deletes every uploaded copy (on exit, or when a window closes). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#grants.keys()].map((ref) => this.release(ref)));
  }

  get size(): number {
    return this.#grants.size;
  }
}

/**
 * The LabApi a page may call: `datasets.detect` and `datasets.import` take a grant id in `path`
 * (a file's, or a dropped folder's) or one per file in `files` (resolved here, refused when
 * unknown), and so does `runs.import` in `path`; a successful import releases the grants, deleting
 * uploaded copies. Every other method is `api`'s own.
 */
export function withFileGrants(api: LabApi, grants: FileGrants): LabApi {
  // A dataset is a granted file or folder (`path`), or a dropped folder's files, each a grant (`files`).
  const source = (input: { path?: string; files?: { name: string; path: string }[] }, use: string) => ({
    ...(input.path !== undefined ? { path: grants.resolve(input.path, use, { folders: true }) } : {}),
    ...(input.files ? { files: input.files.map((f) => ({ name: f.name, path: grants.resolve(f.path, use) })) } : {}),
  });
  const datasets: LabApi["datasets"] = {
    ...api.datasets,
    detect: async (input) => {
      const { path, files, ...rest } = input as LabInput<"datasets", "detect">;
      return api.datasets.detect({ ...rest, ...source({ path, files }, "datasets.detect") });
    },
    import: async (input) => {
      const { path, files, ...rest } = input as LabInput<"datasets", "import">;
      const dataset = await api.datasets.import({ ...rest, ...source({ path, files }, "datasets.import") });
      for (const ref of [...(path !== undefined ? [path] : []), ...(files ?? []).map((f) => f.path)]) await grants.release(ref);
      return dataset;
    },
  };
  // Run logs of other tools (runs.import) reach the lab the same way as dataset files.
  const runs: LabApi["runs"] = {
    ...api.runs,
    import: async (input) => {
      const { path, ...rest } = input as LabInput<"runs", "import">;
      const imported = await api.runs.import({ ...rest, path: grants.resolve(path, "runs.import") });
      await grants.release(path);
      return imported;
    },
  };
  // A model folder dropped on the page arrives as its files, each a grant; the lab copies them.
  const models: LabApi["models"] = {
    ...api.models,
    import: async (input) => {
      const { files, ...rest } = input as LabInput<"models", "import">;
      if (!files) return api.models.import(input);
      const resolved = files.map((f) => ({ name: f.name, path: grants.resolve(f.path, "models.import") }));
      const model = await api.models.import({ ...rest, files: resolved });
      for (const f of files) await grants.release(f.path);
      return model;
    },
  };
  return { ...api, datasets, runs, models };
}
