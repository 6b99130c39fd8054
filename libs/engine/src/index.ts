// Public API of @goodhart/engine. ops/all.ts registers the built-in ops on import.
import "./ops/all.ts";

export { DEVICE_NAMES, probeDevice, probeDevices } from "./runtime/devices.ts";
export type { DeviceName, DeviceProbe } from "./runtime/devices.ts";

export type { Dim, Shape } from "./ir/dims.ts";
export { broadcastShapes, canonicalDim, dimAdd, dimEquals, dimMul, dimProduct, dimSub, evalDim, isStaticShape, numel } from "./ir/dims.ts";
export type { DType, HostArray } from "./ir/dtype.ts";
export { allocHost, isFloat } from "./ir/dtype.ts";
export type { OpNode, Operand, TensorType } from "./ir/tensor.ts";
export { Tensor, applyOp, concat, dimSize, input, oneHot, pad, randomNormal, randomUniform, scalar, scatterAdd, where, zeros } from "./ir/tensor.ts";
export type { Emitter, OnnxAttr, OpDef, Vjp, VjpContext } from "./ops/registry.ts";
export { getOp, listOps, registerOp } from "./ops/registry.ts";
export { BUILTIN_OPS } from "./ops/all.ts";
export { ONE_HOT_SCATTER_MAX_ROWS } from "./ops/scatter-add.ts";
export { grad, unbroadcast } from "./autodiff/grad.ts";

export type { Program } from "./compile/program.ts";
export type { CompiledProgram, ValueSpec } from "./compile/compile.ts";
export { OPSET, compile } from "./compile/compile.ts";
export type { HostTensor, RunStats, Runtime, RuntimeDevice, RuntimeOptions, Session } from "./runtime/runtime.ts";
export { createRuntime, hostTensor } from "./runtime/runtime.ts";
export * from "./tokenizers/index.ts";
export * from "./checkpoints/index.ts";

export type { Rng } from "./train/rng.ts";
export { createRng } from "./train/rng.ts";
export type { Init, Parameter } from "./train/parameter-store.ts";
export { ParameterStore } from "./train/parameter-store.ts";
export type { Schedule } from "./train/schedule.ts";
export { constantSchedule, cosineSchedule, linearWarmup } from "./train/schedule.ts";
export type { AdamWConfig } from "./train/adamw.ts";
export { ADAMW_DEFAULTS, adamwGraphUpdate, adamwHostUpdate, adamwScalars, clipFactor } from "./train/adamw.ts";
export type { StepResult, Trainer, TrainerConfig, UpdateLocation } from "./train/trainer.ts";
export { createTrainer } from "./train/trainer.ts";

export type { LinearOptions } from "./nn/linear.ts";
export { linear } from "./nn/linear.ts";
export { embedding } from "./nn/embedding.ts";
export { layerNorm } from "./nn/layer-norm.ts";
export { dropout } from "./nn/dropout.ts";
export type { AttentionConfig } from "./nn/attention.ts";
export { causalSelfAttention } from "./nn/attention.ts";
export { softmaxCrossEntropy, tokenAccuracy } from "./nn/cross-entropy.ts";
export type { BlockConfig } from "./nn/transformer-block.ts";
export { transformerBlock } from "./nn/transformer-block.ts";
export type { CausalLmConfig } from "./nn/causal-lm.ts";
export { causalLm, causalLmParamCount } from "./nn/causal-lm.ts";

export type { KvTensors, ProjectionDelta, ProjectionKind, ResolvedTrunkConfig, TrunkConfig, TrunkForwardOptions, TrunkOutput } from "./models/trunk.ts";
export { PROJECTIONS, TRUNK_DEFAULTS, Trunk, resolveTrunkConfig, trunkParamCount } from "./models/trunk.ts";
export type { GptConfig, ModelPlacement, ResolvedGptConfig } from "./models/gpt.ts";
export { Gpt, gptParamCount, resolveGptConfig } from "./models/gpt.ts";
export { ValueHead } from "./models/value-head.ts";
export type { RewardModelConfig } from "./models/reward-model.ts";
export { RewardModel, lastRealToken, readLast, rewardModelParamCount } from "./models/reward-model.ts";
export type { EnsembleSharing, RewardEnsembleConfig, ResolvedRewardEnsembleConfig } from "./models/ensemble.ts";
export { RewardEnsemble, resolveRewardEnsembleConfig, rewardEnsembleParamCount } from "./models/ensemble.ts";
export type { HasTrunk, LoraConfig, ResolvedLoraConfig } from "./models/lora.ts";
export { LoraAdapter, LoraBank, mergeLora, resolveLoraConfig } from "./models/lora.ts";
export type { PaddedBatch } from "./models/batch-tensors.ts";
export { padTokens } from "./models/batch-tensors.ts";
export type { RewardScoreOptions, ScoreOptions } from "./models/score-sequences.ts";
export { ensembleScores, rewardScores } from "./models/score-sequences.ts";
export type { SavedModel } from "./models/checkpoint.ts";
export { loadLoraAdapter, loadModel, loadModelOfKind, saveLoraAdapter, saveModel } from "./models/checkpoint.ts";
export type { ResolvedSamplingOptions, SamplingOptions } from "./generation/sampling.ts";
export { argmax, candidateTokens, logSoftmaxAt, resolveSamplingOptions, sampleToken } from "./generation/sampling.ts";
export { decodeStepProgram, nextTokenProgram, scoreProgram, tokenLogprobs } from "./generation/lm-programs.ts";
export type { GenerateOptions, GenerationResult } from "./generation/generate.ts";
export { generate } from "./generation/generate.ts";
export type { LogprobOptions, LogprobResult } from "./generation/logprobs.ts";
export { logprobs } from "./generation/logprobs.ts";
export { KvCache } from "./generation/kv-cache.ts";
