/**
 * Loss functions (torch.nn.functional's), composed of tensor ops so their gradients come from
 * autograd. Each takes its options last, with PyTorch's defaults, including
 * `reduction: 'mean' | 'sum' | 'none'` (default 'mean').
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor as makeTensor } from '../../tensor/creation.js';
import { isFloat } from '../../tensor/dtype.js';
import { isSize, sameShape, shapeStr } from '../../tensor/shape.js';
import { abs, exp, log, minimum, mul, neg, relu, softplus, sqrt, square, sub, where } from '../../ops/elementwise.js';
import { logsumexp } from '../../ops/reduce.js';
import { logSoftmax } from '../../ops/nn.js';
import { binaryCrossEntropyTerms, crossEntropyIndices, nllLossIndices } from '../../ops/loss.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { gather, indexSelect } from '../../ops/indexing.js';
import { pad, stack, unbind } from '../../ops/join.js';
import { pairwiseDistance } from './distance.js';
import { bool, inRange, int, nullable, num, oneOf, parseOptions, tensor } from '../../ops/args.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  reduction?: Reduction;
}

export const REDUCTION_SPEC = { reduction: oneOf('mean', 'sum', 'none') };
export const HUBER_SPEC = { ...REDUCTION_SPEC, delta: num };
export const SMOOTH_L1_SPEC = { ...REDUCTION_SPEC, beta: num };
export const BCE_SPEC = { ...REDUCTION_SPEC, weight: nullable(tensor) };
export const BCE_WITH_LOGITS_SPEC = { ...BCE_SPEC, posWeight: nullable(tensor) };
export const MASKED_BCE_SPEC = { ...BCE_WITH_LOGITS_SPEC, mask: nullable(tensor) };
export const NLL_SPEC = { ...REDUCTION_SPEC, weight: nullable(tensor), ignoreIndex: int };
export const CROSS_ENTROPY_SPEC = { ...NLL_SPEC, labelSmoothing: inRange(0, 1) };
export const KL_DIV_SPEC = { reduction: oneOf('mean', 'sum', 'none', 'batchmean'), logTarget: bool };
export const MARGIN_SPEC = { ...REDUCTION_SPEC, margin: num };
export const TRIPLET_MARGIN_SPEC = { ...MARGIN_SPEC, p: num, eps: num, swap: bool };
export const CONTRASTIVE_SPEC = { ...MARGIN_SPEC, eps: num };
export const CTC_SPEC = { ...REDUCTION_SPEC, blank: int, zeroInfinity: bool };

function checkReduction(op: string, reduction: string): void {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
}

function reduce(op: string, loss: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkReduction(op, reduction);
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

function checkFloatTensor(op: string, x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (!isFloat(x.dtype)) {
    throw new Error(`${op}: ${what} must be a floating-point tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)}${x.dtype === 'int32' ? ' (convert it with .float())' : ''}`);
  }
}

function checkIndexTensor(op: string, x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected ${what} to be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'int32') {
    throw new Error(`${op}: ${what} must hold class indices as an int32 tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)} (convert with .int())`);
  }
}

/** Elementwise losses need input and target of one shape: broadcasting [N, 1] against [N] is a classic silent bug. */
function checkSameShape(op: string, input: Tensor, target: Tensor, what = 'target'): void {
  if (!sameShape(input.shape, target.shape)) {
    const hint =
      input.ndim === target.ndim + 1 && input.shape[input.ndim - 1] === 1
        ? `; squeeze the input's last dim (input.squeeze(-1))`
        : target.ndim === input.ndim + 1 && target.shape[target.ndim - 1] === 1
          ? `; squeeze the ${what}'s last dim`
          : '';
    throw new Error(`${op}: input has shape ${shapeStr(input.shape)} but ${what} has shape ${shapeStr(target.shape)}; they must be equal${hint}`);
  }
}

function elementwiseArgs(op: string, input: Tensor, target: Tensor): void {
  checkFloatTensor(op, input, 'input');
  checkFloatTensor(op, target, 'target');
  checkSameShape(op, input, target);
}

// ---- regression -------------------------------------------------------------------------------

/** Mean squared error: (input - target)^2. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}, ...extra: []): Tensor {
  parseOptions('F.mseLoss', options, REDUCTION_SPEC, extra);
  elementwiseArgs('mseLoss', input, target);
  return reduce('mseLoss', square(sub(input, target)), options.reduction);
}

/** Mean absolute error: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}, ...extra: []): Tensor {
  parseOptions('F.l1Loss', options, REDUCTION_SPEC, extra);
  elementwiseArgs('l1Loss', input, target);
  return reduce('l1Loss', abs(sub(input, target)), options.reduction);
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

/** Huber: 0.5 d^2 for |d| < delta, delta (|d| - 0.5 delta) beyond. */
export function huberLoss(input: Tensor, target: Tensor, options: HuberOptions = {}, ...extra: []): Tensor {
  parseOptions('F.huberLoss', options, HUBER_SPEC, extra);
  elementwiseArgs('huberLoss', input, target);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const diff = abs(sub(input, target));
  const loss = where(diff.lt(delta), mul(square(diff), 0.5), mul(sub(diff, 0.5 * delta), delta));
  return reduce('huberLoss', loss, options.reduction);
}

export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** Smooth L1: 0.5 d^2 / beta for |d| < beta, |d| - 0.5 beta beyond (huberLoss / beta). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1Options = {}, ...extra: []): Tensor {
  parseOptions('F.smoothL1Loss', options, SMOOTH_L1_SPEC, extra);
  elementwiseArgs('smoothL1Loss', input, target);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const diff = abs(sub(input, target));
  const loss = beta === 0 ? diff : where(diff.lt(beta), mul(square(diff), 0.5 / beta), sub(diff, 0.5 * beta));
  return reduce('smoothL1Loss', loss, options.reduction);
}

// ---- binary classification --------------------------------------------------------------------

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** A rescaling weight for each element, broadcast against the input. */
  weight?: Tensor | null;
}

function checkWeight(op: string, weight: Tensor, against: readonly number[], what = 'weight'): void {
  checkFloatTensor(op, weight, what);
  const ok = weight.ndim <= against.length && weight.shape.every((d, i) => {
    const other = against[against.length - weight.ndim + i]!;
    return d === 1 || d === other;
  });
  if (!ok) throw new Error(`${op}: ${what} of shape ${shapeStr(weight.shape)} does not broadcast to the input's shape ${shapeStr(against)}`);
}

/** Binary cross entropy on probabilities: -w [y log x + (1 - y) log(1 - x)], logs clamped at -100 as PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}, ...extra: []): Tensor {
  parseOptions('F.binaryCrossEntropy', options, BCE_SPEC, extra);
  const op = 'binaryCrossEntropy';
  elementwiseArgs(op, input, target);
  const values = input.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new Error(
        `${op}: every input must be a probability in [0, 1], got ${v} at flat index ${i}; ` +
          'apply sigmoid first, or use binaryCrossEntropyWithLogits on raw scores',
      );
    }
  }
  let loss = binaryCrossEntropyTerms(input, target);
  if (options.weight) {
    checkWeight(op, options.weight, input.shape);
    loss = mul(loss, options.weight);
  }
  return reduce(op, loss, options.reduction);
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** A weight on the positive term per class (broadcast along the last dim): > 1 raises recall. */
  posWeight?: Tensor | null;
}

/** -log(sigmoid(x)) = softplus(-x), stable for any x and smooth at 0. */
function negLogSigmoid(x: Tensor): Tensor {
  return softplus(neg(x));
}

/**
 * Binary cross entropy on raw scores (logits), stable for any range:
 * (1 - y) x + (1 + (posWeight - 1) y) softplus(-x), times weight.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}, ...extra: []): Tensor {
  parseOptions('F.binaryCrossEntropyWithLogits', options, BCE_WITH_LOGITS_SPEC, extra);
  const op = 'binaryCrossEntropyWithLogits';
  elementwiseArgs(op, input, target);
  return reduce(op, bceWithLogitsTerms(op, input, target, options), options.reduction);
}

function bceWithLogitsTerms(op: string, input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions): Tensor {
  let positive = negLogSigmoid(input);
  if (options.posWeight) {
    checkWeight(op, options.posWeight, input.shape, 'posWeight');
    positive = mul(positive, mul(target, sub(options.posWeight, 1)).add(1));
  }
  let loss = mul(sub(1, target), input).add(positive);
  if (options.weight) {
    checkWeight(op, options.weight, input.shape);
    loss = mul(loss, options.weight);
  }
  return loss;
}

export interface MaskedBinaryCrossEntropyOptions extends BinaryCrossEntropyWithLogitsOptions {
  /** Which labels are known (bool, target's shape); NaN targets count as unknown in any case. */
  mask?: Tensor | null;
}

/**
 * Multi-label (multi-task) binary cross entropy on logits where some labels are unknown: entries
 * whose target is NaN or whose mask is false are left out. 'mean' averages over the known labels
 * only; 'none' gives zeros at unknown positions.
 */
export function maskedBinaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: MaskedBinaryCrossEntropyOptions = {}, ...extra: []): Tensor {
  parseOptions('F.maskedBinaryCrossEntropyWithLogits', options, MASKED_BCE_SPEC, extra);
  const op = 'maskedBinaryCrossEntropyWithLogits';
  elementwiseArgs(op, input, target);
  checkReduction(op, options.reduction ?? 'mean');
  let known = target.isNan().logicalNot();
  if (options.mask) {
    if (options.mask.dtype !== 'bool') throw new Error(`${op}: mask must be a bool tensor, got dtype ${options.mask.dtype}`);
    checkSameShape(op, input, options.mask, 'mask');
    known = known.logicalAnd(options.mask);
  }
  // Unknown targets are replaced before the loss so NaN cannot leak into values or gradients.
  const safeTarget = where(known, target, 0);
  const loss = where(known, bceWithLogitsTerms(op, input, safeTarget, options), 0);
  if (options.reduction === 'none') return loss;
  if (options.reduction === 'sum') return loss.sum();
  return loss.sum().div(known.sum().to(loss.dtype));
}

// ---- multi-class classification -----------------------------------------------------------------

export interface NllLossOptions extends ReductionOptions {
  /** A weight per class ([C]). */
  weight?: Tensor | null;
  /** A target value that is skipped and not counted in the mean (default -100). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: (1 - s) target + s / C (default 0). */
  labelSmoothing?: number;
}

/** The class dim of [C] / [N, C, d1, ...] inputs, checked against an index target. */
function checkClassTarget(op: string, input: Tensor, target: Tensor): void {
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got a scalar`);
  if (!sameShape(target.shape, expected)) {
    throw new Error(
      `${op}: input of shape ${shapeStr(input.shape)} needs a target of class indices of shape ${shapeStr(expected)}, ` +
        `got ${shapeStr(target.shape)}${target.ndim === 2 && input.ndim === 2 && target.shape[1] === 1 ? ' (squeeze the target\'s last dim)' : ''}`,
    );
  }
}

function checkClassWeight(op: string, weight: Tensor | null | undefined, classes: number): void {
  if (!weight) return;
  checkFloatTensor(op, weight, 'weight');
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new Error(`${op}: weight must have one entry per class, shape [${classes}], got ${shapeStr(weight.shape)}`);
  }
}

/** Class weights of the index-target losses are constants, as in PyTorch, whose nll_loss has no weight gradient. */
function checkConstantWeight(op: string, weight: Tensor | null | undefined): void {
  if (weight && weight.requiresGrad && isGradEnabled()) {
    throw new Error(`${op}: class weights with class-index targets are constants (PyTorch defines no gradient for them); pass weight.detach()`);
  }
}

/**
 * Negative log likelihood of log-probabilities input ([C], [N, C] or [N, C, d1, ...]) at the
 * int32 class indices target: -weight[y] input[y], averaged over the weights of the kept targets.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}, ...extra: []): Tensor {
  parseOptions('F.nllLoss', options, NLL_SPEC, extra);
  const op = 'nllLoss';
  checkFloatTensor(op, input, 'input');
  checkIndexTensor(op, target, 'target');
  checkClassTarget(op, input, target);
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkClassWeight(op, options.weight, input.shape[input.ndim === 1 ? 0 : 1]!);
  checkConstantWeight(op, options.weight);
  return nllLossIndices(input, target, { weight: options.weight ?? null, ignoreIndex: options.ignoreIndex ?? -100, reduction });
}

/**
 * Cross entropy of logits input ([C], [N, C] or [N, C, d1, ...]) against either int32 class
 * indices (shape without the class dim) or class probabilities (input's shape), as
 * torch.nn.functional.cross_entropy, with weight, ignoreIndex and labelSmoothing.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}, ...extra: []): Tensor {
  parseOptions('F.crossEntropy', options, CROSS_ENTROPY_SPEC, extra);
  const op = 'crossEntropy';
  checkFloatTensor(op, input, 'input');
  if (!(target instanceof Tensor)) throw new Error(`${op}: expected target to be a Tensor, got ${target === null ? 'null' : typeof target}`);
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dim ([C], [N, C] or [N, C, d1, ...]), got a scalar`);
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  checkClassWeight(op, options.weight, classes);
  const weightShape = input.shape.map((d, i) => (i === classDim ? d : 1));
  const classWeight = options.weight ? options.weight.reshape(weightShape) : null;

  if (isFloat(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      throw new Error(
        `${op}: a floating-point target holds class probabilities and must have the input's shape ${shapeStr(input.shape)}, ` +
          `got ${shapeStr(target.shape)}; class indices must be an int32 tensor (convert with .int())`,
      );
    }
    if (options.ignoreIndex !== undefined && options.ignoreIndex >= 0) {
      throw new Error(`${op}: ignoreIndex is not supported with class-probability targets`);
    }
    const probs = smoothing > 0 ? mul(target, 1 - smoothing).add(smoothing / classes) : target;
    let terms = mul(logSoftmax(input, classDim), probs);
    if (classWeight) terms = mul(terms, classWeight);
    if (reduction === 'none') return neg(terms.sum(classDim));
    if (reduction === 'sum') return neg(terms.sum());
    return neg(terms.sum()).div(input.numel() / classes);
  }
  checkIndexTensor(op, target, 'target');
  checkClassTarget(op, input, target);
  checkConstantWeight(op, options.weight);
  const classLoss = { weight: options.weight ?? null, ignoreIndex: options.ignoreIndex ?? -100, reduction };
  if (smoothing === 0) return crossEntropyIndices(input, target, classLoss);
  // PyTorch's label smoothing: (1 - s) nll + (s / C) * the loss against the uniform distribution.
  const logp = logSoftmax(input, classDim);
  const nll = nllLossIndices(logp, target, classLoss);
  const keep = target.ne(classLoss.ignoreIndex);
  let smooth = neg((classWeight ? mul(logp, classWeight) : logp).sum(classDim));
  smooth = where(keep, smooth, 0);
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = smooth.sum();
  else if (options.weight) {
    const kept = where(keep, target, 0).flatten();
    smoothReduced = smooth.sum().div(where(keep.flatten(), indexSelect(options.weight, 0, kept), 0).sum());
  } else smoothReduced = smooth.sum().div(keep.sum().to(smooth.dtype));
  return mul(nll, 1 - smoothing).add(mul(smoothReduced, smoothing / classes));
}

export interface KlDivOptions {
  /** 'batchmean' (sum / batch size) is the mathematically correct KL; 'mean' (default, as PyTorch) averages over all elements. */
  reduction?: Reduction | 'batchmean';
  /** Whether target holds log-probabilities (default false: probabilities). */
  logTarget?: boolean;
}

/**
 * KL divergence with input as log-probabilities: target (log target - input), or
 * exp(target) (target - input) with logTarget. 0 log 0 counts as 0.
 */
export function kldiv(input: Tensor, target: Tensor, options: KlDivOptions = {}, ...extra: []): Tensor {
  parseOptions('F.kldiv', options, KL_DIV_SPEC, extra);
  const op = 'kldiv';
  elementwiseArgs(op, input, target);
  let loss: Tensor;
  if (options.logTarget === true) loss = mul(exp(target), sub(target, input));
  else {
    const positive = target.gt(0);
    const xlogx = mul(target, log(where(positive, target, 1)));
    loss = sub(xlogx, mul(target, input));
  }
  const reduction = options.reduction ?? 'mean';
  if (reduction === 'batchmean') return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
  return reduce(op, loss, reduction);
}

// ---- margins and embeddings ------------------------------------------------------------------

function checkSigns(op: string, target: Tensor): void {
  for (const v of target.toTypedArray()) {
    if (v !== 1 && v !== -1) throw new Error(`${op}: target values must be 1 or -1, got ${v}`);
  }
}

export interface MarginOptions extends ReductionOptions {
  margin?: number;
}

/** input where target is 1, max(0, margin - input) where target is -1 (default margin 1). */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, options: MarginOptions = {}, ...extra: []): Tensor {
  parseOptions('F.hingeEmbeddingLoss', options, MARGIN_SPEC, extra);
  const op = 'hingeEmbeddingLoss';
  checkFloatTensor(op, input, 'input');
  checkSameShape(op, input, target);
  const margin = options.margin ?? 1;
  const marginPart = where(target.ne(1), relu(sub(margin, input)), 0);
  const selfPart = where(target.ne(-1), input, 0);
  return reduce(op, marginPart.add(selfPart), options.reduction);
}

/** max(0, -y (x1 - x2) + margin): x1 should rank above x2 when y = 1 (default margin 0). */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: MarginOptions = {}, ...extra: []): Tensor {
  parseOptions('F.marginRankingLoss', options, MARGIN_SPEC, extra);
  const op = 'marginRankingLoss';
  checkFloatTensor(op, input1, 'input1');
  checkFloatTensor(op, input2, 'input2');
  checkSameShape(op, input1, input2, 'input2');
  checkSameShape(op, input1, target);
  const margin = options.margin ?? 0;
  return reduce(op, relu(neg(mul(target, sub(input1, input2))).add(margin)), options.reduction);
}

function checkPairs(op: string, input1: Tensor, input2: Tensor, target: Tensor): void {
  checkFloatTensor(op, input1, 'input1');
  checkFloatTensor(op, input2, 'input2');
  checkSameShape(op, input1, input2, 'input2');
  if (input1.ndim !== 1 && input1.ndim !== 2) throw new Error(`${op}: inputs must be [N, D] or [D], got ${shapeStr(input1.shape)}`);
  const expected = input1.ndim === 2 ? [input1.shape[0]!] : [];
  if (!sameShape(target.shape, expected)) {
    throw new Error(`${op}: target must have shape ${shapeStr(expected)} (one label per pair), got ${shapeStr(target.shape)}`);
  }
}

/**
 * 1 - cos(x1, x2) for similar pairs (target 1), max(0, cos(x1, x2) - margin) for dissimilar ones
 * (target -1); inputs [N, D] or [D].
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, options: MarginOptions = {}, ...extra: []): Tensor {
  parseOptions('F.cosineEmbeddingLoss', options, MARGIN_SPEC, extra);
  const op = 'cosineEmbeddingLoss';
  checkPairs(op, input1, input2, target);
  checkSigns(op, target);
  const dim = input1.ndim - 1;
  const eps = 1e-12;
  const dot = mul(input1, input2).sum(dim);
  const norms = sqrt(mul(square(input1).sum(dim).add(eps), square(input2).sum(dim).add(eps)));
  const cos = dot.div(norms);
  const margin = options.margin ?? 0;
  const loss = where(target.eq(1), sub(1, cos), 0).add(where(target.eq(-1), relu(sub(cos, margin)), 0));
  return reduce(op, loss, options.reduction);
}

export interface TripletMarginOptions extends MarginOptions {
  /** The norm degree of the distance (default 2). */
  p?: number;
  /** Added to the difference before the norm (default 1e-6), as pairwiseDistance. */
  eps?: number;
  /** Use the smaller of d(anchor, negative) and d(positive, negative) (default false). */
  swap?: boolean;
}

/** max(0, margin + d(a, p) - d(a, n)) with the p-norm distance (default margin 1, p 2). */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, options: TripletMarginOptions = {}, ...extra: []): Tensor {
  parseOptions('F.tripletMarginLoss', options, TRIPLET_MARGIN_SPEC, extra);
  const op = 'tripletMarginLoss';
  checkFloatTensor(op, anchor, 'anchor');
  checkFloatTensor(op, positive, 'positive');
  checkFloatTensor(op, negative, 'negative');
  if (anchor.ndim !== 1 && anchor.ndim !== 2) throw new Error(`${op}: inputs must be [N, D] or [D], got anchor ${shapeStr(anchor.shape)}`);
  checkSameShape(op, anchor, positive, 'positive');
  checkSameShape(op, anchor, negative, 'negative');
  const distance = { p: options.p ?? 2, eps: options.eps ?? 1e-6 };
  const dPos = pairwiseDistance(anchor, positive, distance);
  let dNeg = pairwiseDistance(anchor, negative, distance);
  if (options.swap === true) dNeg = minimum(dNeg, pairwiseDistance(positive, negative, distance));
  const margin = options.margin ?? 1;
  return reduce(op, relu(dPos.sub(dNeg).add(margin)), options.reduction);
}

export interface ContrastiveOptions extends MarginOptions {
  /** Added to the difference before the norm (default 1e-6), as pairwiseDistance. */
  eps?: number;
}

/**
 * The contrastive loss of Hadsell, Chopra and LeCun on pairs of embeddings, with D the
 * Euclidean distance: (1 - y)/2 D^2 + y/2 max(0, margin - D)^2, where y = 1 marks a dissimilar
 * pair and y = 0 a similar one (default margin 1). PyTorch has no built-in equivalent.
 */
export function contrastiveLoss(input1: Tensor, input2: Tensor, target: Tensor, options: ContrastiveOptions = {}, ...extra: []): Tensor {
  parseOptions('F.contrastiveLoss', options, CONTRASTIVE_SPEC, extra);
  const op = 'contrastiveLoss';
  checkPairs(op, input1, input2, target);
  for (const v of target.toTypedArray()) {
    if (v !== 0 && v !== 1) throw new Error(`${op}: target values must be 0 (similar pair) or 1 (dissimilar pair), got ${v}`);
  }
  const margin = options.margin ?? 1;
  const d = pairwiseDistance(input1, input2, { eps: options.eps ?? 1e-6 });
  const y = target.to(d.dtype);
  const loss = mul(sub(1, y), square(d)).add(mul(y, square(relu(sub(margin, d))))).mul(0.5);
  return reduce(op, loss, options.reduction);
}

// ---- CTC ---------------------------------------------------------------------------------------

export interface CtcLossOptions extends ReductionOptions {
  /** The blank label (default 0). */
  blank?: number;
  /** Replace infinite losses (targets that cannot fit the input) and their gradients by zero (default false). */
  zeroInfinity?: boolean;
}

/** Stands in for log(0): finite, so gradients through unreachable states stay 0 instead of NaN. */
const LOG_ZERO = -1e30;

function lengthsOf(op: string, what: string, lengths: Tensor | readonly number[], batch: number): number[] {
  let values: number[];
  if (lengths instanceof Tensor) {
    if (lengths.dtype !== 'int32') throw new Error(`${op}: ${what} must be an int32 tensor or a number array, got dtype ${lengths.dtype}`);
    values = Array.from(lengths.toTypedArray());
  } else values = [...lengths];
  if (values.length !== batch) throw new Error(`${op}: ${what} must have one entry per batch element (${batch}), got ${values.length}`);
  for (const v of values) if (!isSize(v)) throw new Error(`${op}: ${what} must be non-negative integers, got ${v}`);
  return values;
}

/**
 * Connectionist Temporal Classification loss (torch.nn.functional.ctc_loss), by the log-space
 * forward algorithm over the blank-extended targets, composed of tensor ops per time step.
 * logProbs: [T, N, C] log-softmax outputs (or [T, C] unbatched); targets: [N, S] padded or the
 * concatenation of all targets (1-D); inputLengths / targetLengths: one per sequence. 'mean'
 * divides each loss by its target length, then averages over the batch, as PyTorch.
 *
 * The gradient is the exact derivative of this loss with respect to logProbs. PyTorch's kernel
 * returns a different tensor that equals it after backpropagating through logSoftmax, so the two
 * agree on the gradient with respect to the logits.
 */
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Tensor | readonly number[],
  targetLengths: Tensor | readonly number[],
  options: CtcLossOptions = {},
  ...extra: []
): Tensor {
  const op = 'ctcLoss';
  parseOptions('F.ctcLoss', options, CTC_SPEC, extra);
  checkFloatTensor(op, logProbs, 'logProbs');
  checkIndexTensor(op, targets, 'targets');
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const unbatched = logProbs.ndim === 2;
  if (logProbs.ndim !== 3 && !unbatched) throw new Error(`${op}: logProbs must be [T, N, C] or [T, C], got ${shapeStr(logProbs.shape)}`);
  const lp = unbatched ? logProbs.unsqueeze(1) : logProbs;
  const [steps, batch, classes] = [lp.shape[0]!, lp.shape[1]!, lp.shape[2]!];
  const blank = options.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) throw new Error(`${op}: blank must be a class index in [0, ${classes}), got ${blank}`);
  const inLens = lengthsOf(op, 'inputLengths', inputLengths, batch);
  const tgtLens = lengthsOf(op, 'targetLengths', targetLengths, batch);
  inLens.forEach((len, n) => {
    if (len > steps) throw new Error(`${op}: inputLengths[${n}] = ${len} exceeds the ${steps} time steps of logProbs`);
  });

  // Per-sequence label lists, from the padded [N, S] or the concatenated 1-D form.
  const flat = Array.from(targets.toTypedArray());
  const labels: number[][] = [];
  const padded = unbatched ? false : targets.ndim === 2;
  if (padded) {
    if (targets.shape[0] !== batch) throw new Error(`${op}: targets [N, S] must have N = ${batch}, got ${shapeStr(targets.shape)}`);
    const width = targets.shape[1]!;
    tgtLens.forEach((len, n) => {
      if (len > width) throw new Error(`${op}: targetLengths[${n}] = ${len} exceeds the target width ${width}`);
      labels.push(flat.slice(n * width, n * width + len));
    });
  } else {
    if (targets.ndim !== 1) throw new Error(`${op}: targets must be [N, S] padded or 1-D concatenated, got ${shapeStr(targets.shape)}`);
    const total = tgtLens.reduce((a, b) => a + b, 0);
    if (total !== flat.length) throw new Error(`${op}: concatenated targets have ${flat.length} labels but targetLengths add up to ${total}`);
    let start = 0;
    for (const len of tgtLens) {
      labels.push(flat.slice(start, start + len));
      start += len;
    }
  }
  labels.forEach((seq, n) => seq.forEach((c, i) => {
    if (c === blank) throw new Error(`${op}: target ${n} holds the blank label ${blank} at position ${i}; targets must not contain blank`);
    if (c < 0 || c >= classes) throw new Error(`${op}: target ${n} holds label ${c} at position ${i}, outside [0, ${classes})`);
  }));

  // Extended labels l' = (blank, y1, blank, y2, ..., blank), padded with blanks to a common width.
  const width = 2 * Math.max(0, ...tgtLens) + 1;
  const extended = new Int32Array(batch * width).fill(blank);
  const skip = new Uint8Array(batch * width);
  labels.forEach((seq, n) => seq.forEach((c, i) => {
    const s = 2 * i + 1;
    extended[n * width + s] = c;
    // A skip from s-2 over a blank is allowed between two different labels.
    if (i > 0 && seq[i - 1] !== c) skip[n * width + s] = 1;
  }));
  const extIndex = makeTensor(extended, { dtype: 'int32' }).reshape(1, batch, width);
  const skipMask = makeTensor(skip, { dtype: 'bool' }).reshape(batch, width);
  const emissions = unbind(gather(lp, 2, extIndex.expand(steps, batch, width)), 0);
  const active = (t: number): Tensor => makeTensor(inLens.map((len) => t < len), { dtype: 'bool' }).reshape(batch, 1);

  // Before the first frame all mass is in state 0 (log 1 = 0).
  const startState = new Float64Array(batch * width).fill(LOG_ZERO);
  for (let n = 0; n < batch; n++) startState[n * width] = 0;
  let alpha = makeTensor(startState, { dtype: lp.dtype }).reshape(batch, width);
  for (let t = 0; t < steps; t++) {
    const stay = alpha;
    const step = pad(alpha, [1, 0], 'constant', LOG_ZERO).narrow(1, 0, width);
    const jump = where(skipMask, pad(alpha, [2, 0], 'constant', LOG_ZERO).narrow(1, 0, width), LOG_ZERO);
    const next = logsumexp(stack([stay, step, jump], 0), 0).add(emissions[t]!);
    alpha = where(active(t), next, alpha);
  }
  // The path ends in the last label or the blank after it.
  const last = makeTensor(tgtLens.map((len) => 2 * len), { dtype: 'int32' }).reshape(batch, 1);
  const beforeLast = makeTensor(tgtLens.map((len) => Math.max(0, 2 * len - 1)), { dtype: 'int32' }).reshape(batch, 1);
  const hasLabel = makeTensor(tgtLens.map((len) => len > 0), { dtype: 'bool' }).reshape(batch, 1);
  const ends = stack([gather(alpha, 1, last), where(hasLabel, gather(alpha, 1, beforeLast), LOG_ZERO)], 0);
  const logLikelihood = logsumexp(ends, 0).reshape(batch);
  const impossible = logLikelihood.lt(LOG_ZERO / 10);
  let loss = where(impossible, options.zeroInfinity === true ? 0 : Infinity, neg(logLikelihood));
  if (reduction === 'none') return unbatched ? loss.reshape([]) : loss;
  if (reduction === 'sum') return loss.sum();
  loss = loss.div(makeTensor(tgtLens.map((len) => Math.max(len, 1)), { dtype: loss.dtype }));
  return loss.mean();
}

