/** Nabla: deep learning for TypeScript. The public API. */
export { Tensor } from './tensor/tensor.js';
export type { Nested, TensorLike, BackwardArgs } from './tensor/tensor.js';
export type { DType, FloatDType, TypedArray } from './tensor/dtype.js';
export { promoteTypes, DEFAULT_FLOAT } from './tensor/dtype.js';
export type { Shape } from './tensor/shape.js';
export { broadcastShapes } from './tensor/shape.js';
export * from './tensor/creation.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';

export {
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, relu, erf, floor, ceil,
  round, trunc, isNan, isFinite, logicalNot, leakyRelu, elu, selu, softplus, gelu, clamp, add, sub, mul, div, pow, maximum,
  minimum, remainder, floorDivide, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, where, cast,
} from './ops/elementwise.js';
export {
  sum, mean, prod, max, min, amax, amin, argmax, argmin, variance, variance as var, std, logsumexp, norm, all, any, cumsum,
} from './ops/reduce.js';
export type { ValuesIndices, VarianceOptions, NormOrder } from './ops/reduce.js';
export { softmax, logSoftmax, dropout } from './ops/nn.js';
export { celu, threshold, hardshrink, prelu } from './ops/activation.js';
export { matmul, mm, bmm, dot, outer, linear } from './ops/linalg.js';
export {
  reshape, view, permute, transpose, t, expand, squeeze, unsqueeze, flatten, unflatten, narrow, slice, select, flip,
  contiguous, clone,
} from './ops/movement.js';
export { gather, scatter, scatterAdd, indexSelect, maskedFill, oneHot, tril, triu, sort, argsort, topk } from './ops/indexing.js';
export { cat, stack, split, chunk, pad, unbind } from './ops/join.js';
export type { PadMode } from './ops/join.js';

export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd/grad-mode.js';
export { grad, valueAndGrad, autogradGrad } from './autograd/functional.js';
export type { GradOptions } from './autograd/functional.js';
export { gradCheck } from './autograd/gradcheck.js';
export type { GradCheckOptions, GradCheckResult, GradCheckComponent } from './autograd/gradcheck.js';

export { registerBackend, setBackend, getBackend, listBackends } from './backend/registry.js';
export type { Backend, View, UnaryOp, BinaryOp, ReduceOp, RandomSpec, RandomSource } from './backend/types.js';
// The WebAssembly backend registers itself as the default on import (cpu where it cannot load).
export { setNumThreads, getNumThreads, wasmBackendInfo, ready } from './backend/wasm/index.js';

export * as nn from './nn/index.js';
export * as F from './nn/functional/index.js';
export * as optim from './optim/index.js';
export * as train from './train/index.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as io from './io/index.js';
export * as plot from './plot/index.js';
export * as linalg from './linalg.js';
export * as vision from './vision/index.js';
export * as text from './text/index.js';
export * as seq2seq from './seq2seq/index.js';
export * as audio from './audio/index.js';
export * as decomposition from './decomposition/index.js';
export * as manifold from './manifold/index.js';
export * as onnx from './onnx/index.js';
export * as tune from './tune/index.js';
export * as strategy from './strategy/index.js';
