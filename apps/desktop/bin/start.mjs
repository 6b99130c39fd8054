#!/usr/bin/env node
// `npm start` at the repository root runs this file.
import { register } from "tsx/esm/api";

register();
const { start } = await import("../src/launcher/start.ts");
process.exitCode = await start();
