import type { CliCommand } from "../command.ts";
import { curvesCommand } from "./curves.ts";
import { datasetsListCommand, datasetsShowCommand } from "./datasets.ts";
import { demoCommand } from "./demo.ts";
import { devicesCommand } from "./devices.ts";
import { importCommand } from "./import.ts";
import { kindsCommand } from "./kinds.ts";
import { labelCommands } from "./label.ts";
import { modelsImportCommand, modelsListCommand } from "./models.ts";
import { presetsCommand } from "./presets.ts";
import { reportCommand } from "./report.ts";
import { runCommand } from "./run.ts";
import { runsCancelCommand, runsImportCommand, runsListCommand, runsRescoreCommand, runsResumeCommand, runsShowCommand } from "./runs.ts";
import { workerCommand } from "./worker.ts";

/** Every sub-command, in the order `goodhart --help` lists them. */
export const commands: CliCommand[] = [
  devicesCommand,
  importCommand,
  datasetsListCommand,
  datasetsShowCommand,
  reportCommand,
  kindsCommand(),
  presetsCommand(),
  demoCommand,
  runCommand,
  runsListCommand,
  runsShowCommand,
  runsResumeCommand,
  runsCancelCommand,
  runsImportCommand,
  runsRescoreCommand,
  workerCommand,
  curvesCommand,
  ...labelCommands,
  modelsImportCommand,
  modelsListCommand,
];
