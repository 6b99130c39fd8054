// Registers every primitive op once. Import this module (the package index does) before building graphs.
import { absOp } from "./abs.ts";
import { addOp } from "./add.ts";
import { argmaxOp } from "./argmax.ts";
import { castOp } from "./cast.ts";
import { clipOp } from "./clip.ts";
import { concatOp } from "./concat.ts";
import { cumsumOp } from "./cumsum.ts";
import { dimSizeOp } from "./dim-size.ts";
import { divOp } from "./div.ts";
import { equalOp } from "./equal.ts";
import { erfOp } from "./erf.ts";
import { expOp } from "./exp.ts";
import { expandOp } from "./expand.ts";
import { gatherLastOp } from "./gather-last.ts";
import { gatherOp } from "./gather.ts";
import { greaterOp } from "./greater.ts";
import { lessOp } from "./less.ts";
import { logSoftmaxOp } from "./log-softmax.ts";
import { logOp } from "./log.ts";
import { matmulOp } from "./matmul.ts";
import { maximumOp, minimumOp } from "./minimum-maximum.ts";
import { mulOp } from "./mul.ts";
import { negOp } from "./neg.ts";
import { oneHotOp } from "./one-hot.ts";
import { padOp } from "./pad.ts";
import { powOp } from "./pow.ts";
import { randomNormalOp } from "./random-normal.ts";
import { randomUniformOp } from "./random-uniform.ts";
import { reduceMaxOp } from "./reduce-max.ts";
import { reduceSumOp } from "./reduce-sum.ts";
import type { OpDef } from "./registry.ts";
import { registerOp } from "./registry.ts";
import { reluOp } from "./relu.ts";
import { reshapeOp } from "./reshape.ts";
import { scatterAddOp } from "./scatter-add.ts";
import { sigmoidOp } from "./sigmoid.ts";
import { sliceOp } from "./slice.ts";
import { softmaxOp } from "./softmax.ts";
import { softplusOp } from "./softplus.ts";
import { splitOp } from "./split.ts";
import { sqrtOp } from "./sqrt.ts";
import { stopGradientOp } from "./stop-gradient.ts";
import { subOp } from "./sub.ts";
import { tanhOp } from "./tanh.ts";
import { topKOp } from "./top-k.ts";
import { transposeOp } from "./transpose.ts";
import { whereOp } from "./where.ts";

/** The built-in primitive ops, in registration order. */
export const BUILTIN_OPS: readonly OpDef[] = [
  addOp,
  subOp,
  mulOp,
  divOp,
  negOp,
  powOp,
  expOp,
  logOp,
  sqrtOp,
  tanhOp,
  sigmoidOp,
  reluOp,
  erfOp,
  matmulOp,
  transposeOp,
  reshapeOp,
  expandOp,
  sliceOp,
  padOp,
  concatOp,
  splitOp,
  gatherOp,
  scatterAddOp,
  oneHotOp,
  whereOp,
  equalOp,
  lessOp,
  greaterOp,
  reduceSumOp,
  reduceMaxOp,
  softmaxOp,
  logSoftmaxOp,
  castOp,
  cumsumOp,
  clipOp,
  stopGradientOp,
  argmaxOp,
  topKOp,
  randomUniformOp,
  randomNormalOp,
  dimSizeOp,
  absOp,
  minimumOp,
  maximumOp,
  softplusOp,
  gatherLastOp,
];

for (const op of BUILTIN_OPS) registerOp(op);
