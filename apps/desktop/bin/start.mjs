#!/usr/bin/env node
// `npm start` at the repository root runs this file. A failure to start is one line saying why
// (the error's own message names the file, lock or port at fault); GOODHART_DEBUG=1 adds the stack.
import { register } from "tsx/esm/api";

register();
try {
  const { start } = await import("../src/launcher/start.ts");
  process.exitCode = await start();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`Goodhart Lab could not start: ${message}`);
  if (process.env.GOODHART_DEBUG && err instanceof Error && err.stack) console.error(err.stack);
  process.exitCode = 1;
}
