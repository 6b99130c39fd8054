/**
 * File grants per window: a grant is good only in the window whose page received it (keyed by the
 * sender's web contents id), so one window cannot use a file the user handed to another.
 */
import { FileGrants } from "../service/file-grants.ts";

export class WindowFileGrants {
  readonly #byWindow = new Map<number, FileGrants>();

  /** The grants of the web contents `senderId` (created on first use). */
  for(senderId: number): FileGrants {
    let grants = this.#byWindow.get(senderId);
    if (!grants) this.#byWindow.set(senderId, (grants = new FileGrants()));
    return grants;
  }

  /** Forgets a closed window's grants. */
  async forget(senderId: number): Promise<void> {
    await this.#byWindow.get(senderId)?.releaseAll();
    this.#byWindow.delete(senderId);
  }
}
