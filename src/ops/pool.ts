/**
 * N-d pooling primitives (1 to 3 spatial dims): max pooling (regular and adaptive) returning
 * argmax indices, whose gradient scatters by those indices, and average pooling, whose gradient
 * spreads each output over its window. Each gradient is itself an op with a backward, so
 * gradients of gradients work.
 */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { AvgPoolGeometry, PoolGeometry } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { checkSizeList, shapeStr } from '../tensor/shape.js';
import { checkTensor, fromKernel } from './util.js';
import { reshape } from './movement.js';
import { gather } from './indexing.js';
import type { ValuesIndices } from './reduce.js';
import { entry, f, sample, type OpEntry } from './table.js';
import { bool, checkArg } from './args.js';

interface MaxPoolAttrs {
  /** Regular windows, or null for adaptive pooling to outSize. */
  geometry: PoolGeometry | null;
  outSize: number[];
  /** Where forward leaves the argmax indices for the caller (an op returns one tensor). */
  result: { indices: Tensor | null };
}

const MAX_POOL: OpDef<MaxPoolAttrs> = {
  name: 'maxPool',
  privateGradients: true,
  forward([x], attrs, save) {
    const { values, indices } =
      attrs.geometry === null ? kernels().adaptiveMaxPool(x!, attrs.outSize) : kernels().maxPool(x!, attrs.geometry);
    const shape = [x!.shape[0]!, x!.shape[1]!, ...attrs.outSize];
    const indexTensor = fromKernel(indices, shape, 'int32');
    attrs.result.indices = indexTensor;
    save(indexTensor);
    return fromKernel(values, shape, x!.dtype);
  },
  backward(g, ctx) {
    return [apply(MAX_POOL_BACKWARD, [g, ctx.saved[0]!], { inSize: ctx.inputs[0]!.shape.slice(2) })];
  },
};

/** Values of h [N, C, ...in] at the flat plane indices [N, C, ...out]. */
function gatherPlanes(h: Tensor, indices: Tensor): Tensor {
  const [n, c] = indices.shape;
  const flatIndex = reshape(indices, [n!, c!, -1]);
  return reshape(gather(reshape(h, [n!, c!, -1]), 2, flatIndex), indices.shape);
}

/** (gradOut, indices) -> gradient of the pooled input: a scatter-add, whose own gradient is a gather. */
const MAX_POOL_BACKWARD: OpDef<{ inSize: number[] }> = {
  name: 'maxPoolBackward',
  privateGradients: true,
  forward([g, indices], { inSize }, save) {
    save(indices!);
    const shape = [g!.shape[0]!, g!.shape[1]!, ...inSize];
    return fromKernel(kernels().maxPoolBackward(g!, indices!, inSize), shape, g!.dtype);
  },
  backward(h, ctx) {
    return [gatherPlanes(h, ctx.saved[0]!), null];
  },
};

const AVG_POOL: OpDef<AvgPoolGeometry> = {
  name: 'avgPool',
  privateGradients: true,
  forward([x], geometry) {
    const shape = [x!.shape[0]!, x!.shape[1]!, ...geometry.outSize];
    return fromKernel(kernels().avgPool(x!, geometry), shape, x!.dtype);
  },
  backward(g, ctx) {
    return [apply(AVG_POOL_BACKWARD, [g], { geometry: ctx.attrs, inSize: ctx.inputs[0]!.shape.slice(2) })];
  },
};

/** Linear in gradOut: its gradient is average pooling again. */
const AVG_POOL_BACKWARD: OpDef<{ geometry: AvgPoolGeometry; inSize: number[] }> = {
  name: 'avgPoolBackward',
  privateGradients: true,
  forward([g], { geometry, inSize }) {
    const shape = [g!.shape[0]!, g!.shape[1]!, ...inSize];
    return fromKernel(kernels().avgPoolBackward(g!, geometry, inSize), shape, g!.dtype);
  },
  backward(h, ctx) {
    return [apply(AVG_POOL, [h], ctx.attrs.geometry)];
  },
};

/**
 * torch's pooling output size: floor (or ceil, with ceilMode) of (I + 2 pad - dilation (k - 1) - 1) / stride, plus 1;
 * in ceil mode a last window that would start past the input and its left padding is dropped.
 */
export function poolOutputSize(size: number, kernel: number, stride: number, pad: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

export interface PoolNdAttrs {
  kernel: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
  ceilMode: boolean;
}

export interface AvgPoolNdAttrs {
  kernel: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
}

function checkInput(op: string, x: Tensor, nd: number): void {
  checkTensor(op, x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expects a floating-point input, got dtype ${x.dtype}`);
  if (x.ndim !== nd + 2) throw new Error(`${op}: expects a ${nd + 2}-D input [N, C, ${nd}-D spatial], got shape ${shapeStr(x.shape)}`);
  if (x.shape.slice(1).some((d) => d === 0)) {
    throw new Error(`${op}: input ${shapeStr(x.shape)} has an empty channel or spatial dim`);
  }
}

/** Validates window options and returns the output spatial size (torch's checks and messages). */
function windowOutSize(op: string, x: Tensor, a: PoolNdAttrs): number[] {
  const nd = a.kernel.length;
  checkSizeList(op, 'kernelSize', a.kernel, 1, nd);
  checkSizeList(op, 'stride', a.stride, 1, nd);
  checkSizeList(op, 'padding', a.padding, 0, nd);
  checkSizeList(op, 'dilation', a.dilation, 1, nd);
  a.padding.forEach((p, d) => {
    if (2 * p > a.kernel[d]!) {
      throw new Error(`${op}: padding (${shapeStr(a.padding)}) must be at most half the kernel size (${shapeStr(a.kernel)})`);
    }
  });
  const inSize = x.shape.slice(2);
  const outSize = inSize.map((size, d) => poolOutputSize(size, a.kernel[d]!, a.stride[d]!, a.padding[d]!, a.dilation[d]!, a.ceilMode));
  if (outSize.some((s) => s < 1)) {
    throw new Error(
      `${op}: the window (kernel ${shapeStr(a.kernel)}, dilation ${shapeStr(a.dilation)}) is larger than the padded input: ` +
        `input ${shapeStr(x.shape)} with padding ${shapeStr(a.padding)} gives output size ${shapeStr(outSize)}`,
    );
  }
  return outSize;
}

/** Max pooling of x [N, C, ...spatial]; indices are flat positions in each input plane (torch's convention). */
export function maxPoolNd(x: Tensor, attrs: PoolNdAttrs, op = 'maxPool'): ValuesIndices {
  checkInput(op, x, attrs.kernel.length);
  checkArg(op, 'ceilMode', attrs.ceilMode, bool);
  const outSize = windowOutSize(op, x, attrs);
  const geometry: PoolGeometry = {
    kernel: [...attrs.kernel],
    stride: [...attrs.stride],
    padding: [...attrs.padding],
    dilation: [...attrs.dilation],
    outSize,
  };
  const result: MaxPoolAttrs['result'] = { indices: null };
  const values = apply(MAX_POOL, [x], { geometry, outSize, result });
  return { values, indices: result.indices! };
}

/** Adaptive max pooling of x [N, C, ...spatial] to outSize, with torch's windows. */
export function adaptiveMaxPoolNd(x: Tensor, outSize: readonly number[], op = 'adaptiveMaxPool'): ValuesIndices {
  checkInput(op, x, outSize.length);
  checkSizeList(op, 'outputSize', outSize, 1, outSize.length);
  const result: MaxPoolAttrs['result'] = { indices: null };
  const values = apply(MAX_POOL, [x], { geometry: null, outSize: [...outSize], result });
  return { values, indices: result.indices! };
}

/** Average pooling of x [N, C, ...spatial] with torch's divisor rules. */
export function avgPoolNd(x: Tensor, attrs: AvgPoolNdAttrs, op = 'avgPool'): Tensor {
  const nd = attrs.kernel.length;
  checkInput(op, x, nd);
  checkArg(op, 'ceilMode', attrs.ceilMode, bool);
  checkArg(op, 'countIncludePad', attrs.countIncludePad, bool);
  const outSize = windowOutSize(op, x, { ...attrs, dilation: attrs.kernel.map(() => 1) });
  const divisor = attrs.divisorOverride;
  if (divisor !== null && !(Number.isInteger(divisor) && divisor !== 0)) {
    throw new Error(`${op}: divisorOverride must be a non-zero integer, got ${divisor}`);
  }
  const geometry: AvgPoolGeometry = {
    kernel: [...attrs.kernel],
    stride: [...attrs.stride],
    padding: [...attrs.padding],
    outSize,
    countIncludePad: attrs.countIncludePad,
    divisorOverride: divisor,
  };
  return apply(AVG_POOL, [x], geometry);
}

// ---- op table ------------------------------------------------------------------------------

const TORCH_MAX_POOL =
  '[torch.nn.functional.max_pool1d, torch.nn.functional.max_pool2d, torch.nn.functional.max_pool3d][len(a["kernel"]) - 1](' +
  'x0, a["kernel"], a["stride"], a["padding"], a["dilation"], ceil_mode=a["ceilMode"], return_indices=True)';

const TORCH_AVG_POOL =
  '[torch.nn.functional.avg_pool1d, torch.nn.functional.avg_pool2d, torch.nn.functional.avg_pool3d][len(a["kernel"]) - 1](' +
  'x0, a["kernel"], a["stride"], a["padding"], ceil_mode=a["ceilMode"], count_include_pad=a["countIncludePad"], ' +
  '**({} if a["divisorOverride"] is None else {"divisor_override": a["divisorOverride"]}))';

const TORCH_ADAPTIVE_MAX_POOL =
  '[torch.nn.functional.adaptive_max_pool1d, torch.nn.functional.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool3d]' +
  '[len(a["outSize"]) - 1](x0, a["outSize"], return_indices=True)';

type PoolSampleAttrs = { kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; ceilMode: boolean };
type AvgSampleAttrs = {
  kernel: number[];
  stride: number[];
  padding: number[];
  ceilMode: boolean;
  countIncludePad: boolean;
  divisorOverride: number | null;
};

export const table: OpEntry<object>[] = [
  entry({
    name: 'maxPoolNd',
    run: ([x], a: PoolSampleAttrs) => {
      const { values, indices } = maxPoolNd(x!, a);
      return [values, indices];
    },
    torch: TORCH_MAX_POOL,
    samples: [
      sample([f([2, 3, 9])], { kernel: [3], stride: [2], padding: [1], dilation: [1], ceilMode: true }),
      sample([f([2, 2, 7, 6])], { kernel: [3, 2], stride: [2, 2], padding: [1, 0], dilation: [1, 1], ceilMode: false }),
      sample([f([1, 2, 8, 7], undefined, 'transposed')], { kernel: [2, 3], stride: [3, 2], padding: [1, 1], dilation: [2, 1], ceilMode: true }),
      sample([f([1, 2, 4, 5, 4])], { kernel: [2, 2, 2], stride: [2, 2, 2], padding: [0, 1, 0], dilation: [1, 1, 1], ceilMode: true }),
    ],
  }),
  entry({
    name: 'avgPoolNd',
    run: ([x], a: AvgSampleAttrs) => avgPoolNd(x!, a),
    torch: TORCH_AVG_POOL,
    samples: [
      sample([f([2, 3, 8])], { kernel: [3], stride: [2], padding: [1], ceilMode: true, countIncludePad: true, divisorOverride: null }),
      sample([f([2, 2, 7, 6])], { kernel: [3, 2], stride: [2, 2], padding: [1, 1], ceilMode: true, countIncludePad: false, divisorOverride: null }),
      sample([f([1, 2, 5, 6], undefined, 'strided')], { kernel: [2, 3], stride: [2, 3], padding: [1, 0], ceilMode: false, countIncludePad: true, divisorOverride: 4 }),
      sample([f([1, 2, 5, 4, 5])], { kernel: [2, 2, 3], stride: [2, 2, 2], padding: [1, 0, 1], ceilMode: true, countIncludePad: true, divisorOverride: null }),
    ],
  }),
  entry({
    name: 'adaptiveMaxPoolNd',
    run: ([x], a: { outSize: number[] }) => {
      const { values, indices } = adaptiveMaxPoolNd(x!, a.outSize);
      return [values, indices];
    },
    torch: TORCH_ADAPTIVE_MAX_POOL,
    samples: [
      sample([f([2, 3, 10])], { outSize: [4] }),
      sample([f([2, 2, 7, 5])], { outSize: [3, 2] }),
      sample([f([1, 2, 5, 6, 4])], { outSize: [2, 4, 3] }),
    ],
  }),
];
