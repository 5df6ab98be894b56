/**
 * The activations built from tensor ops (silu, mish, hardswish, hardsigmoid, logsigmoid, softsign,
 * glu, hardtanh, relu6, celu, softshrink, hardshrink, tanhshrink, threshold, prelu), with PyTorch's
 * forward formulas and its one-sided gradients at the kinks. relu, leakyRelu, elu, selu, softplus
 * and gelu are backend kernels in elementwise.ts.
 */
import { apply, type OpDef } from '../autograd/function.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import {
  abs, add, clamp, div, exp, expm1, ge, gt, le, log1p, logicalAnd, logicalOr, lt, minimum, mul, neg, sigmoid, sub, tanh, where,
} from './elementwise.js';
import { narrow, reshape } from './movement.js';
import { checkTensor } from './util.js';
import { atKinks, entry, f, sample, values, type OpEntry } from './table.js';

function checkFloatInput(op: string, x: unknown): asserts x is Tensor {
  checkTensor(op, x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a floating-point tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
}

function checkNumber(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new Error(`${op}: ${name} must be a number, got ${typeof value === 'number' ? 'NaN' : value === null ? 'null' : typeof value}`);
  }
}

interface PointwiseAttrs {
  params: readonly number[];
}

/**
 * A pointwise op whose forward and backward are tensor-op formulas: PyTorch's own derivative,
 * not the one autograd would find through a composite (which differs at the kinks).
 */
function pointwiseOp(
  name: string,
  forward: (x: Tensor, params: readonly number[]) => Tensor,
  backward: (g: Tensor, x: Tensor, params: readonly number[]) => Tensor,
): OpDef<PointwiseAttrs> {
  return {
    name,
    forward([x], { params }, save) {
      save(x!);
      return forward(x!, params);
    },
    backward(g, ctx) {
      const [x] = ctx.saved;
      return [backward(g, x!, ctx.attrs.params)];
    },
  };
}

/** g where keep, 0 elsewhere. */
const gradWhere = (keep: Tensor, g: Tensor): Tensor => where(keep, g, 0);

/** torch's scalar kernel rounds 1/6 through float even in double (hardsigmoid_backward). */
const ONE_SIXTH_F32 = Math.fround(1 / 6);

const OPS = {
  // x / (1 + exp(-x)); d = s (1 + x (1 - s))
  silu: pointwiseOp(
    'silu',
    (x) => div(x, add(exp(neg(x)), 1)),
    (g, x) => {
      const s = sigmoid(x);
      return mul(mul(g, s), add(mul(x, sub(1, s)), 1));
    },
  ),
  // x tanh(log1p(exp(x))); d = t + x s (1 - t^2)
  mish: pointwiseOp(
    'mish',
    (x) => mul(x, tanh(log1p(exp(x)))),
    (g, x) => {
      const t = tanh(log1p(exp(x)));
      return mul(g, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))));
    },
  ),
  // x min(max(x + 3, 0), 6) / 6; d = 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above (torch's scalar kernel)
  hardswish: pointwiseOp(
    'hardswish',
    (x) => div(mul(x, clamp(add(x, 3), 0, 6)), 6),
    (g, x) => where(lt(x, -3), 0, where(le(x, 3), mul(g, add(div(x, 3), 0.5)), g)),
  ),
  // min(max(x + 3, 0), 6) / 6; d = 1/6 strictly inside (-3, 3)
  hardsigmoid: pointwiseOp(
    'hardsigmoid',
    (x) => div(clamp(add(x, 3), 0, 6), 6),
    (g, x) => gradWhere(logicalAnd(gt(x, -3), lt(x, 3)), mul(g, ONE_SIXTH_F32)),
  ),
  // min(x, 0) - log1p(exp(-|x|)); d = 1 - z / (1 + z) for x < 0, z / (1 + z) otherwise, z = exp(-|x|)
  logsigmoid: pointwiseOp(
    'logsigmoid',
    (x) => sub(minimum(x, 0), log1p(exp(neg(abs(x))))),
    (g, x) => {
      const z = exp(neg(abs(x)));
      const q = div(z, add(z, 1));
      return mul(g, where(lt(x, 0), sub(1, q), q));
    },
  ),
  // clamp(x, min, max); d = 0 at and beyond the bounds (and g for NaN, as torch's test is x <= min || x >= max)
  hardtanh: pointwiseOp(
    'hardtanh',
    (x, [lo, hi]) => clamp(x, lo!, hi!),
    (g, x, [lo, hi]) => where(logicalOr(le(x, lo!), ge(x, hi!)), 0, g),
  ),
  // alpha (exp(x / alpha) - 1) for x <= 0, x otherwise; d = exp(x / alpha) for x <= 0 (min(x, 0) keeps exp finite)
  celu: pointwiseOp(
    'celu',
    (x, [alpha]) => where(le(x, 0), mul(expm1(mul(minimum(x, 0), 1 / alpha!)), alpha!), x),
    (g, x, [alpha]) => where(le(x, 0), mul(g, exp(mul(minimum(x, 0), 1 / alpha!))), g),
  ),
  // x - l above l, x + l below -l, 0 on [-l, l]; d = 0 on [-l, l]
  softshrink: pointwiseOp(
    'softshrink',
    (x, [l]) => where(gt(x, l!), sub(x, l!), where(lt(x, -l!), add(x, l!), 0)),
    (g, x, [l]) => shrinkGrad(g, x, l!),
  ),
  // 0 on [-l, l], x elsewhere; d = 0 on [-l, l]
  hardshrink: pointwiseOp(
    'hardshrink',
    (x, [l]) => where(logicalAnd(ge(x, -l!), le(x, l!)), 0, x),
    (g, x, [l]) => shrinkGrad(g, x, l!),
  ),
  // x above threshold, value at or below it; d = 0 at or below it
  threshold: pointwiseOp(
    'threshold',
    (x, [th, value]) => where(le(x, th!), value!, x),
    (g, x, [th]) => where(le(x, th!), 0, g),
  ),
} satisfies Record<string, OpDef<PointwiseAttrs>>;

/** torch's shrink_backward: 0 on [-l, l], g elsewhere (NaN included). */
function shrinkGrad(g: Tensor, x: Tensor, l: number): Tensor {
  return where(logicalAnd(ge(x, -l), le(x, l)), 0, g);
}

function pointwise(op: keyof typeof OPS, x: Tensor, params: readonly number[] = []): Tensor {
  checkFloatInput(op, x);
  return apply(OPS[op], [x], { params });
}

/** x * sigmoid(x) (torch.nn.functional.silu, a.k.a. swish). */
export const silu = (x: Tensor): Tensor => pointwise('silu', x);
/** x * tanh(softplus(x)). */
export const mish = (x: Tensor): Tensor => pointwise('mish', x);
/** x * relu6(x + 3) / 6 (MobileNetV3). */
export const hardswish = (x: Tensor): Tensor => pointwise('hardswish', x);
/** relu6(x + 3) / 6 (MobileNetV3). */
export const hardsigmoid = (x: Tensor): Tensor => pointwise('hardsigmoid', x);
/** log(sigmoid(x)), computed without overflow. */
export const logsigmoid = (x: Tensor): Tensor => pointwise('logsigmoid', x);

/** x clamped to [minVal, maxVal], with zero gradient at the bounds (torch.nn.functional.hardtanh). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkNumber('hardtanh', 'minVal', minVal);
  checkNumber('hardtanh', 'maxVal', maxVal);
  if (maxVal < minVal) throw new Error(`hardtanh: maxVal (${maxVal}) must be >= minVal (${minVal})`);
  return pointwise('hardtanh', x, [minVal, maxVal]);
}

/** min(max(x, 0), 6): hardtanh(x, 0, 6), as torch. */
export function relu6(x: Tensor): Tensor {
  checkFloatInput('relu6', x);
  return apply(OPS.hardtanh, [x], { params: [0, 6] });
}

/** max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export function celu(x: Tensor, alpha = 1): Tensor {
  checkNumber('celu', 'alpha', alpha);
  if (alpha === 0) throw new Error('celu: alpha must not be 0 (it divides x)');
  return pointwise('celu', x, [alpha]);
}

/** x - lambd above lambd, x + lambd below -lambd, 0 between. */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  checkNumber('softshrink', 'lambd', lambd);
  if (lambd < 0) throw new Error(`softshrink: lambd must be >= 0, got ${lambd}`);
  return pointwise('softshrink', x, [lambd]);
}

/** 0 on [-lambd, lambd], x elsewhere. */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  checkNumber('hardshrink', 'lambd', lambd);
  return pointwise('hardshrink', x, [lambd]);
}

/** x where x > threshold, value elsewhere (both required, as torch). */
export function threshold(x: Tensor, threshold: number, value: number): Tensor {
  checkNumber('threshold', 'threshold', threshold);
  checkNumber('threshold', 'value', value);
  return pointwise('threshold', x, [threshold, value]);
}

/** x / (1 + |x|) (composite, as torch's). */
export function softsign(x: Tensor): Tensor {
  checkFloatInput('softsign', x);
  return div(x, add(abs(x), 1));
}

/** x - tanh(x) (composite, as torch's). */
export function tanhshrink(x: Tensor): Tensor {
  checkFloatInput('tanhshrink', x);
  return sub(x, tanh(x));
}

/** The gated linear unit: the first half of `dim` times the sigmoid of the second half. */
export function glu(x: Tensor, dim = -1): Tensor {
  checkFloatInput('glu', x);
  if (x.ndim === 0) throw new Error('glu: does not support 0-dim tensors because halving size must be even');
  const axis = normalizeDim('glu', dim, x.ndim);
  const size = x.shape[axis]!;
  if (size % 2 !== 0) {
    throw new Error(`glu: halving dimension must be even, but dimension ${axis} is size ${size} (input shape ${shapeStr(x.shape)})`);
  }
  const half = size / 2;
  return mul(narrow(x, axis, 0, half), sigmoid(narrow(x, axis, half, half)));
}

/**
 * x for x > 0, weight * x otherwise; weight has 1 element or one per channel (dim 1 of the
 * input), as torch.nn.functional.prelu.
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  checkFloatInput('prelu', x);
  checkTensor('prelu', weight, 'weight');
  if (weight.ndim > 1) throw new Error(`prelu: weight must be a scalar or 1-D tensor, got shape ${shapeStr(weight.shape)}`);
  const count = weight.numel();
  const channels = x.ndim >= 2 ? x.shape[1]! : 1;
  if (count !== 1 && count !== channels) {
    throw new Error(
      `prelu: weight has ${count} parameters but the input (shape ${shapeStr(x.shape)}) has ${channels} channels ` +
        '(dim 1); use 1 parameter or one per channel',
    );
  }
  // One weight per channel broadcasts along dim 1.
  const w = count === 1 || x.ndim < 2 ? reshape(weight, []) : reshape(weight, [count, ...new Array<number>(x.ndim - 2).fill(1)]);
  return where(gt(x, 0), x, mul(w, x));
}

// ---- op table ------------------------------------------------------------------------------

const torchF = (call: string): string => `torch.nn.functional.${call}`;

export const table: OpEntry<object>[] = [
  ...(['silu', 'mish', 'logsigmoid', 'softsign', 'tanhshrink'] as const).map((name) =>
    entry({
      name,
      run: ([x]) => ({ silu, mish, logsigmoid, softsign, tanhshrink })[name](x!),
      torch: torchF(`${name}(x0)`),
      samples: [sample([f([3, 4], [-5, 5], 'transposed')]), sample([f([6], [-30, 30])]), sample([values([0, -1, 1])])],
    }),
  ),
  entry({
    name: 'hardswish',
    run: ([x]) => hardswish(x!),
    torch: torchF('hardswish(x0)'),
    // Three elements keep torch on its scalar kernel (its vectorised one gives 1, not 1.5, at x = 3).
    samples: [sample([f([4, 5], [-5, 5], 'transposed')]), atKinks(sample([values([-3, 3, 0])])), sample([values([-4, 0.5, 5])])],
  }),
  entry({
    name: 'hardsigmoid',
    run: ([x]) => hardsigmoid(x!),
    torch: torchF('hardsigmoid(x0)'),
    samples: [sample([f([4, 5], [-5, 5], 'strided')]), atKinks(sample([values([-3, 3, 0, -4, 4])]))],
  }),
  entry({
    name: 'hardtanh',
    run: ([x], a: { min: number; max: number }) => hardtanh(x!, a.min, a.max),
    torch: torchF('hardtanh(x0, a["min"], a["max"])'),
    samples: [sample([f([3, 4], [-3, 3])], { min: -1, max: 1 }), sample([f([6], [-3, 3])], { min: -0.5, max: 2 }), atKinks(sample([values([-1, 1, 0, 2])], { min: -1, max: 1 }))],
  }),
  entry({
    name: 'relu6',
    run: ([x]) => relu6(x!),
    torch: torchF('relu6(x0)'),
    samples: [sample([f([3, 4], [-3, 9], 'transposed')]), atKinks(sample([values([0, 6, 3, -1, 7])]))],
  }),
  entry({
    name: 'celu',
    run: ([x], a: { alpha: number }) => celu(x!, a.alpha),
    torch: torchF('celu(x0, a["alpha"])'),
    samples: [sample([f([3, 4], [-3, 3])], { alpha: 1 }), sample([f([6], [-3, 3])], { alpha: 0.5 }), atKinks(sample([values([0, -40, 800])], { alpha: 2 }))],
  }),
  ...(['softshrink', 'hardshrink'] as const).map((name) =>
    entry({
      name,
      run: ([x], a: { lambd: number }) => (name === 'softshrink' ? softshrink : hardshrink)(x!, a.lambd),
      torch: torchF(`${name}(x0, a["lambd"])`),
      samples: [sample([f([3, 4])], { lambd: 0.5 }), sample([f([6])], { lambd: 1.25 }), atKinks(sample([values([-0.5, 0.5, 0, 1])], { lambd: 0.5 }))],
    }),
  ),
  entry({
    name: 'threshold',
    run: ([x], a: { threshold: number; value: number }) => threshold(x!, a.threshold, a.value),
    torch: torchF('threshold(x0, a["threshold"], a["value"])'),
    samples: [sample([f([3, 4])], { threshold: 0.3, value: -2 }), atKinks(sample([values([0.5, 0, 1])], { threshold: 0.5, value: 7 }))],
  }),
  entry({
    name: 'glu',
    run: ([x], a: { dim: number }) => glu(x!, a.dim),
    torch: torchF('glu(x0, a["dim"])'),
    samples: [sample([f([3, 4])], { dim: -1 }), sample([f([4, 3, 2], undefined, 'transposed')], { dim: 0 }), sample([f([2, 6, 3])], { dim: 1 })],
  }),
  entry({
    name: 'prelu',
    run: ([x, w]) => prelu(x!, w!),
    torch: torchF('prelu(x0, x1)'),
    samples: [
      sample([f([2, 3, 4]), f([3], [0, 0.5])]),
      sample([f([4, 5], undefined, 'transposed'), f([1], [0, 0.5])]),
      sample([f([6]), f([], [0, 0.5])]),
      atKinks(sample([{ shape: [2, 2], values: [[0, -1], [2, 0]] }, values([0.25, -0.5])])),
    ],
  }),
];
