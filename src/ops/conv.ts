/**
 * N-d convolution (1 to 3 spatial dims) as three primitives that are each other's gradients:
 * conv, its input gradient (which is also the transposed convolution) and its weight gradient.
 * Each maps to one backend kernel, so a fast backend can replace them one by one, and each
 * backward is written with the other two, so gradients of gradients work.
 */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { ClampBounds, ConvGeometry } from '../backend/types.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { hardtanh } from './activation.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { checkSize, checkSizeList, shapeStr } from '../tensor/shape.js';
import { checkTensor, fromKernel } from './util.js';
import { add } from './elementwise.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { arrayOf, checkArg, intArray } from './args.js';

interface ConvAttrs {
  geometry: ConvGeometry;
  /** Output spatial size. */
  outSize: number[];
  /** An activation folded into the output (only where nothing needs a gradient, see convNd). */
  clamp?: ClampBounds;
}

interface ConvInputGradAttrs {
  geometry: ConvGeometry;
  /** Spatial size of the convolution's input (the result). */
  inSize: number[];
}

interface ConvWeightGradAttrs {
  geometry: ConvGeometry;
  kernelSize: number[];
}

/**
 * [N, C, ...in] * [O, C / groups, ...k] (+ bias [O]) -> [N, O, ...out]. The bias, when given, goes
 * to the kernel, which starts each output channel's sums from it.
 */
const CONV: OpDef<ConvAttrs> = {
  name: 'conv',
  privateGradients: true,
  forward([x, w, bias], { geometry, outSize, clamp }, save) {
    save(x!, w!);
    const shape = [x!.shape[0]!, w!.shape[0]!, ...outSize];
    return fromKernel(kernels().conv(x!, w!, geometry, outSize, bias, clamp), shape, x!.dtype);
  },
  backward(g, ctx) {
    const [x, w] = ctx.saved;
    const { geometry, clamp } = ctx.attrs;
    if (clamp !== undefined) throw new Error('conv: internal error: a convolution with a folded activation was recorded for backward');
    return [
      ctx.needsGrad[0] ? apply(CONV_INPUT_GRAD, [g, w!], { geometry, inSize: x!.shape.slice(2) }) : null,
      ctx.needsGrad[1] ? apply(CONV_WEIGHT_GRAD, [x!, g], { geometry, kernelSize: w!.shape.slice(2) }) : null,
      ctx.needsGrad[2] === true ? sum(g, [0, ...g.shape.slice(2).map((_, d) => d + 2)]) : null,
    ];
  },
};

/** (gradOut [N, O, ...out], w) -> [N, C, ...in]: linear in both, so its gradients are conv and the weight gradient. */
const CONV_INPUT_GRAD: OpDef<ConvInputGradAttrs> = {
  name: 'convInputGrad',
  privateGradients: true,
  forward([g, w], { geometry, inSize }, save) {
    save(g!, w!);
    const shape = [g!.shape[0]!, w!.shape[1]! * geometry.groups, ...inSize];
    return fromKernel(kernels().convInputGrad(g!, w!, geometry, inSize), shape, g!.dtype);
  },
  backward(h, ctx) {
    const [g, w] = ctx.saved;
    const { geometry } = ctx.attrs;
    return [
      ctx.needsGrad[0] ? apply(CONV, [h, w!], { geometry, outSize: g!.shape.slice(2) }) : null,
      ctx.needsGrad[1] ? apply(CONV_WEIGHT_GRAD, [h, g!], { geometry, kernelSize: w!.shape.slice(2) }) : null,
    ];
  },
};

/** (x, gradOut) -> [O, C / groups, ...k], summed over the batch. */
const CONV_WEIGHT_GRAD: OpDef<ConvWeightGradAttrs> = {
  name: 'convWeightGrad',
  privateGradients: true,
  forward([x, g], { geometry, kernelSize }, save) {
    save(x!, g!);
    const shape = [g!.shape[1]!, x!.shape[1]! / geometry.groups, ...kernelSize];
    return fromKernel(kernels().convWeightGrad(x!, g!, geometry, kernelSize), shape, x!.dtype);
  },
  backward(h, ctx) {
    const [x, g] = ctx.saved;
    const { geometry } = ctx.attrs;
    return [
      ctx.needsGrad[0] ? apply(CONV_INPUT_GRAD, [g!, h], { geometry, inSize: x!.shape.slice(2) }) : null,
      ctx.needsGrad[1] ? apply(CONV, [x!, h], { geometry, outSize: g!.shape.slice(2) }) : null,
    ];
  },
};

export interface ConvNdAttrs {
  stride: readonly number[];
  /** [before, after] zero padding for each spatial dim. */
  padding: readonly (readonly [number, number])[];
  dilation: readonly number[];
  groups: number;
}

export interface ConvTransposeNdAttrs {
  stride: readonly number[];
  /** Removed from both sides of each spatial dim of the full transposed output (torch's padding). */
  padding: readonly number[];
  /** Added to the end of each spatial dim, to pick one of the output sizes a strided conv maps from. */
  outputPadding: readonly number[];
  dilation: readonly number[];
  groups: number;
}

/** Checks the operands common to convolution and its transpose. */
function checkOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined, nd: number, groups: number): void {
  checkTensor(op, x);
  checkTensor(op, weight, 'weight');
  if (bias !== undefined && bias !== null) checkTensor(op, bias, 'bias');
  if (!isFloat(x.dtype) || x.dtype !== weight.dtype || (bias != null && bias.dtype !== x.dtype)) {
    throw new Error(
      `${op}: input, weight and bias must share one floating-point dtype, got input ${x.dtype}, weight ${weight.dtype}` +
        (bias != null ? `, bias ${bias.dtype}` : ''),
    );
  }
  if (x.ndim !== nd + 2) {
    throw new Error(`${op}: expects a ${nd + 2}-D input [N, C, ${nd}-D spatial], got shape ${shapeStr(x.shape)}`);
  }
  if (weight.ndim !== nd + 2) {
    throw new Error(`${op}: expects a ${nd + 2}-D weight, got shape ${shapeStr(weight.shape)}`);
  }
  checkSize(op, 'groups', groups, 1);
}

/** The convolution's output size along one dim: floor((I + before + after - dilation (k - 1) - 1) / stride) + 1. */
export function convOutputSize(size: number, kernel: number, stride: number, before: number, after: number, dilation: number): number {
  return Math.floor((size + before + after - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Cross-correlation of x [N, C, ...spatial] with weight [O, C / groups, ...kernel] plus bias [O],
 * with explicit per-side zero padding. `op` names the caller in error messages. `clamp`: the
 * result is hardtanh(conv, min, max) (ReLU, ReLU6 and Hardtanh folded in by
 * nn.utils.fuseForInference), computed inside the kernel when nothing needs a gradient.
 */
export function convNd(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, attrs: ConvNdAttrs, op = 'conv', clamp?: ClampBounds): Tensor {
  checkOperands(op, x, weight, bias, attrs.stride.length, attrs.groups);
  const { geometry, outSize } = convPlan(op, x.shape, weight, bias, attrs);
  const inputs = bias == null ? [x, weight] : [x, weight, bias];
  if (clamp === undefined) return apply(CONV, inputs, { geometry, outSize });
  checkClamp(op, clamp);
  // With gradients the two ops are recorded as they are (hardtanh's gradient is 0 at the bounds, as ReLU's at 0).
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) return hardtanh(apply(CONV, inputs, { geometry, outSize }), clamp.min, clamp.max);
  return apply(CONV, inputs, { geometry, outSize, clamp });
}

function checkClamp(op: string, clamp: ClampBounds): void {
  if (!(clamp.min <= clamp.max)) throw new Error(`${op}: the folded activation's bounds must satisfy min <= max, got [${clamp.min}, ${clamp.max}]`);
}

/** One convolution of convChainNd: convNd's operands and options (op names it in error messages). */
export interface ConvChainLayer {
  weight: Tensor;
  bias: Tensor | null;
  attrs: ConvNdAttrs;
  clamp?: ClampBounds;
  op: string;
}

interface ConvChainAttrs {
  steps: { geometry: ConvGeometry; outSize: number[]; clamp?: ClampBounds; hasBias: boolean }[];
}

/** Consecutive convolutions in one backend call (kernels().convChain); only where nothing needs a gradient. */
const CONV_CHAIN: OpDef<ConvChainAttrs> = {
  name: 'convChain',
  forward([x, ...params], { steps }) {
    let at = 0;
    const chain = steps.map(({ geometry, outSize, clamp, hasBias }) => {
      const w = params[at++]!;
      const bias = hasBias ? params[at++]! : undefined;
      return { w, bias, geometry, outSize, clamp };
    });
    const last = chain.at(-1)!;
    const shape = [x!.shape[0]!, last.w.shape[0]!, ...last.outSize];
    return fromKernel(kernels().convChain(x!, chain), shape, x!.dtype);
  },
};

/**
 * layers[k](... layers[1](layers[0](x))) for convolutions as convNd computes them (each checked as
 * convNd checks it), in one backend call that keeps the intermediate results in the backend's
 * memory (the wasm backend: no copy out and back in between layers). Where something needs a
 * gradient the convolutions are recorded one by one.
 */
export function convChainNd(x: Tensor, layers: readonly ConvChainLayer[]): Tensor {
  if (layers.length === 0) throw new Error('convChain: expected at least one convolution');
  const params = layers.flatMap((l) => (l.bias === null ? [l.weight] : [l.weight, l.bias]));
  if (isGradEnabled() && (x.requiresGrad || params.some((t) => t.requiresGrad))) {
    return layers.reduce((h, l) => convNd(h, l.weight, l.bias, l.attrs, l.op, l.clamp), x);
  }
  let shape: readonly number[] = x.shape;
  const steps = layers.map((l) => {
    checkOperands(l.op, x, l.weight, l.bias, l.attrs.stride.length, l.attrs.groups);
    if (l.clamp !== undefined) checkClamp(l.op, l.clamp);
    const { geometry, outSize } = convPlan(l.op, shape, l.weight, l.bias, l.attrs);
    shape = [shape[0]!, l.weight.shape[0]!, ...outSize];
    return { geometry, outSize, clamp: l.clamp, hasBias: l.bias !== null };
  });
  return apply(CONV_CHAIN, [x, ...params], { steps });
}

/** convNd's geometry and output size for an input of shape xShape, with its checks of the options and sizes. */
function convPlan(op: string, xShape: readonly number[], weight: Tensor, bias: Tensor | null | undefined, attrs: ConvNdAttrs): { geometry: ConvGeometry; outSize: number[] } {
  const nd = attrs.stride.length;
  const { groups } = attrs;
  checkSizeList(op, 'stride', attrs.stride, 1, nd);
  checkSizeList(op, 'dilation', attrs.dilation, 1, nd);
  checkArg(op, 'padding', attrs.padding, arrayOf(intArray, 'an array of [before, after] pairs'));
  checkSizeList(op, 'padding', attrs.padding.flat(), 0, 2 * nd);
  const channels = xShape[1]!;
  const outChannels = weight.shape[0]!;
  if (channels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${op}: groups=${groups} must divide both the input channels (${channels}) and the output channels (${outChannels})`,
    );
  }
  if (weight.shape[1]! * groups !== channels) {
    throw new Error(
      `${op}: weight ${shapeStr(weight.shape)} expects ${weight.shape[1]! * groups} input channels ` +
        `(${weight.shape[1]} per group x ${groups} groups), but the input ${shapeStr(xShape)} has ${channels}`,
    );
  }
  const outSize = xShape.slice(2).map((size, d) => {
    const k = weight.shape[d + 2]!;
    const [before, after] = attrs.padding[d]!;
    const effective = attrs.dilation[d]! * (k - 1) + 1;
    if (effective > size + before + after) {
      throw new Error(
        `${op}: the kernel (size ${k}${attrs.dilation[d] !== 1 ? `, ${effective} with dilation ${attrs.dilation[d]}` : ''}) is larger ` +
          `than the padded input (${size} + padding ${before} + ${after} = ${size + before + after}) in spatial dim ${d} ` +
          `of input ${shapeStr(xShape)}`,
      );
    }
    return convOutputSize(size, k, attrs.stride[d]!, before, after, attrs.dilation[d]!);
  });
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${op}: bias must have shape [${outChannels}] (one per output channel), got ${shapeStr(bias.shape)}`);
  }
  const geometry: ConvGeometry = {
    stride: [...attrs.stride],
    padding: attrs.padding.map(([before]) => before),
    dilation: [...attrs.dilation],
    groups,
  };
  return { geometry, outSize };
}

/**
 * Transposed convolution (the gradient of convNd with respect to its input) of x [N, Cin, ...]
 * with weight [Cin, Cout / groups, ...kernel]: out = (I - 1) stride - 2 padding + dilation (k - 1) + outputPadding + 1.
 */
export function convTransposeNd(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, attrs: ConvTransposeNdAttrs, op = 'convTranspose'): Tensor {
  const nd = attrs.stride.length;
  const { groups } = attrs;
  checkOperands(op, x, weight, bias, nd, groups);
  checkSizeList(op, 'stride', attrs.stride, 1, nd);
  checkSizeList(op, 'dilation', attrs.dilation, 1, nd);
  checkSizeList(op, 'padding', attrs.padding, 0, nd);
  checkSizeList(op, 'outputPadding', attrs.outputPadding, 0, nd);
  const channels = x.shape[1]!;
  if (weight.shape[0] !== channels) {
    throw new Error(
      `${op}: weight ${shapeStr(weight.shape)} expects ${weight.shape[0]} input channels (its first dim), ` +
        `but the input ${shapeStr(x.shape)} has ${channels}`,
    );
  }
  if (channels % groups !== 0) throw new Error(`${op}: groups=${groups} must divide the input channels (${channels})`);
  const outChannels = weight.shape[1]! * groups;
  attrs.outputPadding.forEach((p, d) => {
    if (p >= attrs.stride[d]! && p >= attrs.dilation[d]!) {
      throw new Error(
        `${op}: outputPadding (${p}) must be smaller than either stride (${attrs.stride[d]}) or dilation (${attrs.dilation[d]}) in spatial dim ${d}`,
      );
    }
  });
  const outSize = x.shape.slice(2).map((size, d) => {
    const k = weight.shape[d + 2]!;
    return (size - 1) * attrs.stride[d]! - 2 * attrs.padding[d]! + attrs.dilation[d]! * (k - 1) + attrs.outputPadding[d]! + 1;
  });
  if (outSize.some((s) => s < 1)) {
    throw new Error(`${op}: input ${shapeStr(x.shape)} with padding ${shapeStr(attrs.padding)} gives an empty output ${shapeStr(outSize)}`);
  }
  if (bias != null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${op}: bias must have shape [${outChannels}] (one per output channel), got ${shapeStr(bias.shape)}`);
  }
  const geometry: ConvGeometry = { stride: [...attrs.stride], padding: [...attrs.padding], dilation: [...attrs.dilation], groups };
  const out = apply(CONV_INPUT_GRAD, [x, weight], { geometry, inSize: outSize });
  return bias == null ? out : add(out, reshape(bias, [outChannels, ...outSize.map(() => 1)]));
}

// ---- op table ------------------------------------------------------------------------------

type ConvSampleAttrs = { stride: number[]; padding: number[][]; dilation: number[]; groups: number };
type ConvTransposeSampleAttrs = { stride: number[]; padding: number[]; outputPadding: number[]; dilation: number[]; groups: number };

/** torch pads explicitly (F.pad lists the last dim first), then convolves with padding 0. */
const TORCH_CONV =
  '(lambda xp: [torch.nn.functional.conv1d, torch.nn.functional.conv2d, torch.nn.functional.conv3d][len(a["stride"]) - 1](' +
  'xp, x1, x2, stride=a["stride"], dilation=a["dilation"], groups=a["groups"]))' +
  '(torch.nn.functional.pad(x0, [p for pair in reversed(a["padding"]) for p in pair]))';

const TORCH_CONV_TRANSPOSE =
  '[torch.nn.functional.conv_transpose1d, torch.nn.functional.conv_transpose2d, torch.nn.functional.conv_transpose3d]' +
  '[len(a["stride"]) - 1](x0, x1, x2, stride=a["stride"], padding=a["padding"], output_padding=a["outputPadding"], ' +
  'groups=a["groups"], dilation=a["dilation"])';

export const table: OpEntry<object>[] = [
  entry({
    name: 'convNd',
    run: ([x, w, b], a: ConvSampleAttrs) => convNd(x!, w!, b, { ...a, padding: a.padding as unknown as [number, number][] }),
    torch: TORCH_CONV,
    samples: [
      sample([f([2, 3, 7]), f([4, 3, 3]), f([4])], { stride: [2], padding: [[1, 2]], dilation: [1], groups: 1 }),
      sample([f([2, 4, 6, 5]), f([6, 2, 3, 2]), f([6])], { stride: [2, 1], padding: [[0, 1], [1, 1]], dilation: [1, 2], groups: 2 }),
      sample([f([1, 3, 5, 5], undefined, 'transposed'), f([3, 1, 3, 3]), f([3])], { stride: [1, 1], padding: [[1, 1], [1, 1]], dilation: [1, 1], groups: 3 }),
      sample([f([1, 2, 4, 3, 4]), f([3, 2, 2, 2, 3]), f([3])], { stride: [1, 2, 1], padding: [[0, 0], [1, 0], [1, 1]], dilation: [1, 1, 1], groups: 1 }),
    ],
  }),
  entry({
    name: 'convTransposeNd',
    run: ([x, w, b], a: ConvTransposeSampleAttrs) => convTransposeNd(x!, w!, b, a),
    torch: TORCH_CONV_TRANSPOSE,
    samples: [
      sample([f([2, 4, 5]), f([4, 3, 3]), f([3])], { stride: [2], padding: [1], outputPadding: [1], dilation: [1], groups: 1 }),
      sample([f([1, 4, 3, 4]), f([4, 2, 3, 2]), f([4])], { stride: [2, 3], padding: [1, 0], outputPadding: [0, 2], dilation: [1, 2], groups: 2 }),
    ],
  }),
];
