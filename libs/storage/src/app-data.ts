import os from "node:os";
import path from "node:path";

/** File name of the lab database inside the app-data folder. */
export const DATABASE_FILE_NAME = "lab.sqlite";

/**
 * Where the lab database lives by default: `GOODHART_DB` if set, else the OS app-data folder
 * (Linux: `$XDG_DATA_HOME/goodhart-lab` or `~/.local/share/goodhart-lab`; macOS:
 * `~/Library/Application Support/Goodhart Lab`; Windows: `%APPDATA%\Goodhart Lab`).
 */
export function defaultDatabasePath(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.GOODHART_DB) return env.GOODHART_DB;
  return (platform === "win32" ? path.win32 : path.posix).join(appDataFolder(env, platform, home), DATABASE_FILE_NAME);
}

/** The OS folder for this application's data. */
export function appDataFolder(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === "win32") {
    return path.win32.join(env.APPDATA ?? path.win32.join(home, "AppData", "Roaming"), "Goodhart Lab");
  }
  if (platform === "darwin") return path.posix.join(home, "Library", "Application Support", "Goodhart Lab");
  const xdg = env.XDG_DATA_HOME;
  // XDG says relative paths are invalid and must be ignored.
  return path.posix.join(xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, ".local", "share"), "goodhart-lab");
}
