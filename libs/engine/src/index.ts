export { DEVICE_NAMES, probeDevice, probeDevices } from "./runtime/devices.ts";
export type { DeviceName, DeviceProbe } from "./runtime/devices.ts";
