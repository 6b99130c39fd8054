// Public API of @goodhart/engine. ops/all.ts registers the built-in ops on import.
import "./ops/all.ts";

export { DEVICE_NAMES, probeDevice, probeDevices } from "./runtime/devices.ts";
export type { DeviceName, DeviceProbe } from "./runtime/devices.ts";

export type { Dim, Shape } from "./ir/dims.ts";
export { broadcastShapes, canonicalDim, dimAdd, dimEquals, dimMul, dimProduct, dimSub, evalDim, isStaticShape, numel } from "./ir/dims.ts";
export type { DType, HostArray } from "./ir/dtype.ts";
export { allocHost, isFloat } from "./ir/dtype.ts";
export type { OpNode, Operand, TensorType } from "./ir/tensor.ts";
export {
  Tensor,
  applyOp,
  concat,
  dimSize,
  input,
  oneHot,
  pad,
  randomNormal,
  randomUniform,
  scalar,
  scatterAdd,
  where,
  zeros,
} from "./ir/tensor.ts";
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

export type { RngState, Seed } from "./random/rng.ts";
export { Rng, createRng, hash64 } from "./random/rng.ts";
export type { Init, Parameter } from "./train/parameter-store.ts";
export { ParameterStore } from "./train/parameter-store.ts";
export type { Schedule } from "./train/schedule.ts";
export { constantSchedule, cosineSchedule, linearWarmup } from "./train/schedule.ts";
export type { AdamWConfig } from "./train/adamw.ts";
export type { FusedAdamwInputs } from "./train/adamw.ts";
export { ADAMW_DEFAULTS, adamwGraphUpdate, adamwHostUpdate, adamwScalars, clipFactor, fusedAdamwScalars } from "./train/adamw.ts";
export type { MicroStepResult, StepResult, Trainer, TrainerConfig, UpdateLocation } from "./train/trainer.ts";
export type { ParamGroup, ResolvedGroup } from "./train/param-groups.ts";
export { DEFAULT_GROUP, resolveGroups } from "./train/param-groups.ts";
export type { OptimizerState } from "./train/optimizer-state.ts";
export { loadOptimizerState, saveOptimizerState } from "./train/optimizer-state.ts";
export { createTrainer } from "./train/trainer.ts";

export type { LinearOptions } from "./nn/linear.ts";
export { linear } from "./nn/linear.ts";
export { embedding } from "./nn/embedding.ts";
export { applyLayerNorm, layerNorm } from "./nn/layer-norm.ts";
export { dropout } from "./nn/dropout.ts";
export { softmaxCrossEntropy, tokenAccuracy } from "./nn/cross-entropy.ts";
export { gatherLogProbs } from "./nn/log-probs.ts";

export type {
  InitialValues,
  KvTensors,
  ProjectionDelta,
  ProjectionKind,
  ResolvedTrunkConfig,
  TrunkConfig,
  TrunkForwardOptions,
  TrunkOutput,
  TrunkParameterSpec,
} from "./models/trunk.ts";
export {
  PROJECTIONS,
  TRUNK_DEFAULTS,
  Trunk,
  resolveTrunkConfig,
  rotaryDims,
  trunkParamCount,
  trunkParameterSpecs,
} from "./models/trunk.ts";
export type { Activation } from "./nn/activations.ts";
export { ACTIVATIONS, activate } from "./nn/activations.ts";
export { applyRmsNorm } from "./nn/rms-norm.ts";
export type { RopeScaling } from "./nn/rotary.ts";
export { applyRotary, ropeInverseFrequencies, rotaryTables } from "./nn/rotary.ts";
export type { HfArchitecture } from "./models/hf-config.ts";
export { HF_ARCHITECTURES, gptConfigFromHf, hfConfigFromGpt } from "./models/hf-config.ts";
export type { HfModel } from "./models/hf-checkpoint.ts";
export { loadHfModel, loadHfRewardModel, saveHfModel } from "./models/hf-checkpoint.ts";
export type { GptConfig, ModelPlacement, ResolvedGptConfig } from "./models/gpt.ts";
export { Gpt, gptParamCount, resolveGptConfig } from "./models/gpt.ts";
export type { MemoryMode, MemoryPlan, MemoryPlanOptions } from "./models/memory-plan.ts";
export { assertMemoryFits, describeMemoryPlan, planMemory } from "./models/memory-plan.ts";
export { ValueHead } from "./models/value-head.ts";
export type { RewardModelConfig } from "./models/reward-model.ts";
export { RewardModel, lastRealToken, readLast, rewardModelParamCount } from "./models/reward-model.ts";
export type { EnsembleSharing, RewardEnsembleConfig, ResolvedRewardEnsembleConfig } from "./models/ensemble.ts";
export { RewardEnsemble, resolveRewardEnsembleConfig, rewardEnsembleParamCount } from "./models/ensemble.ts";
export { StackedRewardModels } from "./models/stacked-reward-models.ts";
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
