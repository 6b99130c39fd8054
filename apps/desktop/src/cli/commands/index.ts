import type { CliCommand } from "../command.ts";
import { devicesCommand } from "./devices.ts";

/** Every sub-command, in the order `goodhart --help` lists them. */
export const commands: CliCommand[] = [devicesCommand];
