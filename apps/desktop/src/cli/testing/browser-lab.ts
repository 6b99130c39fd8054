/**
 * Test child process: browser mode on the database given as argv[2] (no renderer build), logging
 * to stdout, so a test can submit to it, kill it or send it signals, and read its exit code.
 */
import { startBrowserMode } from "../../launcher/browser-mode.ts";

const [dbFile] = process.argv.slice(2) as [string];
process.exitCode = await startBrowserMode({ dbFile, buildRenderer: false, log: (line) => void process.stdout.write(`${line}\n`) });
