// Probes the compute devices and prints the result as one JSON line on stdout. Run as a child
// process by quiet-device-probe.ts, so the native warnings of the probes (Dawn looking for Vulkan)
// land on a stderr the launcher filters instead of the lab's own terminal.
import { probeDevices } from "@goodhart/engine";

process.stdout.write(`${JSON.stringify(await probeDevices())}\n`);
