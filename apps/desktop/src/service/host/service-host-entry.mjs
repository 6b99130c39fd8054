// JavaScript entry of the service host process (utility processes and forks start plain JS):
// registers tsx, then runs the TypeScript host.
import { register } from "tsx/esm/api";

register();
await import("./service-host-main.ts");
