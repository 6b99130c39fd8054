/**
 * Links the app may hand to the user's browser. `shell.openExternal` passes a URL to the OS, which
 * opens whatever handler the scheme names; so only https links to a short list of hosts the lab
 * actually points to (papers, code, model and dataset hubs, the project's site) are opened, and
 * only after the user says yes. Anything else is refused and logged.
 */
import type { Dialog } from "./electron-types.ts";

/** Hosts (and their `www.` forms) the app opens links to. */
export const EXTERNAL_LINK_HOSTS: readonly string[] = ["arxiv.org", "github.com", "huggingface.co", "goodhartlab.org"];

/** True for an https link, without credentials or an explicit port, to a host on the list. */
export function isAllowedExternalLink(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "https:" || parsed.username || parsed.password || parsed.port) return false;
  const host = parsed.hostname.toLowerCase().replace(/^www\./, "");
  return EXTERNAL_LINK_HOSTS.includes(host);
}

export type ExternalLinkOutcome = "opened" | "cancelled" | "refused";

export interface ExternalLinkDeps {
  dialog: Pick<Dialog, "showMessageBox">;
  openExternal(url: string): Promise<void>;
  log?(line: string): void;
}

/** Opens `url` in the user's browser if it is on the list and the user confirms. */
export async function openExternalLink(url: string, deps: ExternalLinkDeps): Promise<ExternalLinkOutcome> {
  if (!isAllowedExternalLink(url)) {
    deps.log?.(`refused to open a link off the allow-list: ${url.slice(0, 200)}`);
    return "refused";
  }
  const { response } = await deps.dialog.showMessageBox({
    type: "question",
    buttons: ["Open in browser", "Cancel"],
    defaultId: 0,
    cancelId: 1,
    title: "Open link",
    message: "Open this link in your web browser?",
    detail: url,
    noLink: true,
  });
  if (response !== 0) return "cancelled";
  await deps.openExternal(url);
  return "opened";
}
