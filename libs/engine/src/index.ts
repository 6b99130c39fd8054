// Public API of @goodhart/engine. ops/all.ts registers the built-in ops on import.
import "./ops/all.ts";

export { DEVICE_NAMES, probeDevice, probeDevices } from "./runtime/devices.ts";
export type { DeviceName, DeviceProbe } from "./runtime/devices.ts";

export type { Dim, Shape } from "./ir/dims.ts";
export { broadcastShapes, dimAdd, dimMul, dimProduct, dimSub, evalDim, isStaticShape, numel } from "./ir/dims.ts";
export type { DType, HostArray } from "./ir/dtype.ts";
export { allocHost, isFloat } from "./ir/dtype.ts";
export type { OpNode, Operand, TensorType } from "./ir/tensor.ts";
export { Tensor, applyOp, concat, dimSize, input, oneHot, pad, randomNormal, randomUniform, scalar, scatterAdd, where, zeros } from "./ir/tensor.ts";
export type { Emitter, OnnxAttr, OpDef, Vjp, VjpContext } from "./ops/registry.ts";
export { getOp, listOps, registerOp } from "./ops/registry.ts";
export { BUILTIN_OPS } from "./ops/all.ts";
export { grad, unbroadcast } from "./autodiff/grad.ts";

export type { Program } from "./compile/program.ts";
export type { CompiledProgram, ValueSpec } from "./compile/compile.ts";
export { OPSET, compile } from "./compile/compile.ts";
export type { HostTensor, RunStats, Runtime, RuntimeDevice, RuntimeOptions, Session } from "./runtime/runtime.ts";
export { createRuntime, hostTensor } from "./runtime/runtime.ts";
export * from "./tokenizers/index.ts";
export * from "./checkpoints/index.ts";
