/** The shared contract: DTOs, the LabApi tables and interface, errors, and the generic clients. */
export * from "./dto.ts";
export * from "./errors.ts";
export * from "./lab-api.ts";
export * from "./boundary.ts";
export * from "./client.ts";
export * from "./http-client.ts";
export { SseParser, type SseMessage } from "./sse.ts";
export { CONTENT_SECURITY_POLICY } from "./csp.ts";
export { BRIDGE_GLOBAL, type LabBridge, createLabApiFromBridge, ipcChannelAllowList } from "./ipc-bridge.ts";
export { LAB_METHOD_NAMES } from "./lab-channels.ts";
