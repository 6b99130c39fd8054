import type { CliCommand } from "../command.ts";
import { datasetsListCommand, datasetsShowCommand } from "./datasets.ts";
import { devicesCommand } from "./devices.ts";
import { importCommand } from "./import.ts";
import { reportCommand } from "./report.ts";

/** Every sub-command, in the order `goodhart --help` lists them. */
export const commands: CliCommand[] = [devicesCommand, importCommand, datasetsListCommand, datasetsShowCommand, reportCommand];
