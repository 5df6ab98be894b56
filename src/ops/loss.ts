/**
 * Losses over class indices as primitives (torch's nll_loss, and cross_entropy as log_softmax
 * and nll_loss fused): input [C], [N, C] or [N, C, d1, ...], int32 targets without the class
 * dim, optional class weights (constants, as in torch), an ignored target value and a
 * reduction. One pass picks the targets' log-probabilities; the backward is written in tensor
 * ops (crossEntropy: (softmax(x) - onehot) * scale, nllLoss: -onehot * scale) so gradients of
 * gradients work. Argument checks live in nn/functional/loss.ts.
 */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { allocate, type TypedArray } from '../tensor/dtype.js';
import { numel } from '../tensor/shape.js';
import { checkTensor, fromKernel } from './util.js';
import { clamp, div, log, log1p, mul, neg, sub } from './elementwise.js';
import { reshape } from './movement.js';
import { softmax } from './nn.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { int, nullable, oneOf, parseOptions, tensor } from './args.js';

export type ClassReduction = 'mean' | 'sum' | 'none';

export interface ClassLossOptions {
  /** A constant weight per class ([C]), or null. */
  weight: Tensor | null;
  ignoreIndex: number;
  reduction: ClassReduction;
}

interface ClassLossAttrs extends ClassLossOptions {
  /** The name errors carry ('crossEntropy' or 'nllLoss'). */
  op: string;
  classDim: number;
}

/**
 * The loss of log-probabilities logp (contiguous, the input's shape) at the targets, with the
 * gradient's scale per position (the target's weight, over the total weight for 'mean'; 0 where
 * ignored) as [N, 1, d1, ...] and the targets one-hot in the input's shape.
 */
function pickTargets(logp: TypedArray, x: Tensor, target: Tensor, attrs: ClassLossAttrs): { loss: Tensor; scale: Tensor; onehot: Tensor } {
  const { op, classDim, ignoreIndex, reduction } = attrs;
  const classes = x.shape[classDim]!;
  const inner = numel(x.shape.slice(classDim + 1));
  const t = target.toTypedArray();
  const w = attrs.weight === null ? null : attrs.weight.toTypedArray();
  const positions = t.length;
  const perPosition = new Float64Array(positions);
  const scale = allocate(x.dtype, positions);
  const onehot = allocate(x.dtype, logp.length);
  let total = 0;
  let totalWeight = 0;
  for (let i = 0; i < positions; i++) {
    const c = t[i]!;
    if (c === ignoreIndex) continue;
    if (c < 0 || c >= classes) {
      throw new Error(
        `${op}: target ${c} at flat index ${i} is out of bounds: class indices must be in [0, ${classes})${c === classes ? ' (are the labels 1-based?)' : ''}`,
      );
    }
    const at = (Math.floor(i / inner) * classes + c) * inner + (i % inner);
    const weight = w === null ? 1 : w[c]!;
    perPosition[i] = -weight * logp[at]!;
    scale[i] = weight;
    onehot[at] = 1;
    total += perPosition[i]!;
    totalWeight += weight;
  }
  let loss: Tensor;
  if (reduction === 'none') {
    const values = allocate(x.dtype, positions);
    values.set(perPosition);
    loss = fromKernel(values, target.shape, x.dtype);
  } else {
    const value = allocate(x.dtype, 1);
    value[0] = reduction === 'sum' ? total : total / totalWeight;
    loss = fromKernel(value, [], x.dtype);
    // Ignored positions keep a zero gradient even when every target is ignored (then the mean is NaN, as in torch).
    if (reduction === 'mean') for (let i = 0; i < positions; i++) if (t[i] !== ignoreIndex) scale[i] = scale[i]! / totalWeight;
  }
  const scaleShape = x.shape.map((d, k) => (k === classDim ? 1 : d));
  return { loss, scale: fromKernel(scale, scaleShape, x.dtype), onehot: fromKernel(onehot, x.shape, x.dtype) };
}

/** The incoming gradient times the scale, shaped to broadcast over the class dim. */
function scaledGrad(g: Tensor, scale: Tensor, attrs: ClassLossAttrs): Tensor {
  return mul(scale, attrs.reduction === 'none' ? reshape(g, scale.shape) : g);
}

const CROSS_ENTROPY: OpDef<ClassLossAttrs> = {
  name: 'crossEntropy',
  privateGradients: true,
  forward([x, target], attrs, save) {
    const logp = kernels().softmax(x!, attrs.classDim, true);
    const { loss, scale, onehot } = pickTargets(logp, x!, target!, attrs);
    save(x!, scale, onehot);
    return loss;
  },
  backward(g, ctx) {
    const [x, scale, onehot] = ctx.saved;
    return [mul(sub(softmax(x!, ctx.attrs.classDim), onehot!), scaledGrad(g, scale!, ctx.attrs)), null];
  },
};

const NLL_LOSS: OpDef<ClassLossAttrs> = {
  name: 'nllLoss',
  privateGradients: true,
  forward([logp, target], attrs, save) {
    const { loss, scale, onehot } = pickTargets(kernels().copy(logp!, logp!.dtype), logp!, target!, attrs);
    save(scale, onehot);
    return loss;
  },
  backward(g, ctx) {
    const [scale, onehot] = ctx.saved;
    return [mul(neg(onehot!), scaledGrad(g, scale!, ctx.attrs)), null];
  },
};

const CLASS_LOSS_SPEC = { weight: nullable(tensor), ignoreIndex: int, reduction: oneOf('mean', 'sum', 'none') };

/** Cross entropy of logits at int32 class indices (inputs already checked). */
export function crossEntropyIndices(input: Tensor, target: Tensor, options: ClassLossOptions): Tensor {
  checkTensor('crossEntropy', input);
  checkTensor('crossEntropy', target, 'target');
  parseOptions('crossEntropy', options, CLASS_LOSS_SPEC);
  return apply(CROSS_ENTROPY, [input, target], { ...options, op: 'crossEntropy', classDim: input.ndim === 1 ? 0 : 1 });
}

/** Negative log likelihood of log-probabilities at int32 class indices (inputs already checked). */
export function nllLossIndices(input: Tensor, target: Tensor, options: ClassLossOptions): Tensor {
  checkTensor('nllLoss', input);
  checkTensor('nllLoss', target, 'target');
  parseOptions('nllLoss', options, CLASS_LOSS_SPEC);
  return apply(NLL_LOSS, [input, target], { ...options, op: 'nllLoss', classDim: input.ndim === 1 ? 0 : 1 });
}

/** torch's floor on x (1 - x) in binary cross entropy's gradient: aten's Loss.cpp has `constexpr float EPSILON = 1e-12`. */
const BCE_EPSILON = Math.fround(1e-12);

/**
 * Binary cross entropy per element, as torch's kernel: (y - 1) max(log1p(-x), -100) - y max(log(x), -100).
 * A primitive for its gradient, torch's (x - y) / max(x (1 - x), 1e-12), which stays finite (0 when
 * x = y) at inputs of exactly 0 or 1, where the composite's clamped log would give 0 * inf = NaN.
 */
const BINARY_CROSS_ENTROPY: OpDef<null> = {
  name: 'binaryCrossEntropy',
  forward([x, y], _attrs, save) {
    save(x!, y!);
    return sub(mul(sub(y!, 1), clamp(log1p(neg(x!)), -100)), mul(y!, clamp(log(x!), -100)));
  },
  backward(g, ctx) {
    const [x, y] = ctx.saved;
    const gradInput = div(mul(g, sub(x!, y!)), clamp(mul(sub(1, x!), x!), BCE_EPSILON));
    // torch's binary_cross_entropy_target_backward: -logit(x) = -log(x / (1 - x)).
    const gradTarget = mul(g, neg(log(div(x!, sub(1, x!)))));
    return [gradInput, gradTarget];
  },
};

/** Unreduced, unweighted binary cross entropy of probabilities (inputs already checked, same shape). */
export function binaryCrossEntropyTerms(input: Tensor, target: Tensor): Tensor {
  return apply(BINARY_CROSS_ENTROPY, [input, target], null);
}

// ---- op table ------------------------------------------------------------------------------

type LossAttrs = { reduction: ClassReduction; ignoreIndex: number };
const targets = (shape: number[], classes: number) => ({ shape, dtype: 'int32' as const, range: [0, classes] as [number, number] });
const lossSamples = [
  sample([f([6, 5], [-3, 3]), targets([6], 5)], { reduction: 'mean', ignoreIndex: -100 } as LossAttrs),
  sample([f([4, 3], undefined, 'transposed'), targets([4], 3)], { reduction: 'sum', ignoreIndex: -100 } as LossAttrs),
  sample([f([2, 3, 4]), targets([2, 4], 3)], { reduction: 'none', ignoreIndex: 1 } as LossAttrs),
  sample([f([2, 4, 2, 3], undefined, 'strided'), targets([2, 2, 3], 4)], { reduction: 'mean', ignoreIndex: 0 } as LossAttrs),
  sample([f([5]), targets([], 5)], { reduction: 'mean', ignoreIndex: -100 } as LossAttrs),
];
const torchArgs = 'reduction=a["reduction"], ignore_index=a["ignoreIndex"]';

export const table: OpEntry<object>[] = [
  entry({
    name: 'crossEntropyIndices',
    run: ([x, t], a: LossAttrs) => crossEntropyIndices(x!, t!, { weight: null, ...a }),
    torch: `torch.nn.functional.cross_entropy(x0, x1, ${torchArgs})`,
    samples: lossSamples,
  }),
  entry({
    name: 'nllLossIndices',
    run: ([x, t], a: LossAttrs) => nllLossIndices(x!, t!, { weight: null, ...a }),
    torch: `torch.nn.functional.nll_loss(x0, x1, ${torchArgs})`,
    samples: lossSamples,
  }),
];
