/**
 * ONNX import: onnx.load(bytes) decodes a ModelProto (official schema, protobufjs), checks it as
 * untrusted input, and returns an OnnxModel, a Module whose forward runs the graph's nodes with
 * Nabla ops. Float initializers become Parameters (state-dict keys are the initializer names, dots
 * kept as nesting), so the model fine-tunes like any other; int64 shape constants become int32
 * tensors (Nabla's integer type; values outside int32 are an error).
 */
import * as nb from '../index.js';
import { Module, Parameter } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataType, AttrType, onnxType } from './proto.js';
import { quoteShort } from '../util/untrusted.js';
import { convNd, convTransposeNd } from '../ops/conv.js';
import { avgPoolNd, maxPoolNd } from '../ops/pool.js';
import { recurrent, type RecurrentMode, type RecurrentWeights } from '../nn/functional/recurrent.js';

type Attr = { name: string; type?: number; i?: number; f?: number; s?: Uint8Array; ints?: number[]; floats?: number[]; t?: TensorMsg };
interface NodeMsg {
  op_type?: string;
  domain?: string;
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: Attr[];
}
interface TensorMsg {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  data_location?: number;
}
interface ValueInfoMsg {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}
interface GraphMsg {
  node?: NodeMsg[];
  initializer?: TensorMsg[];
  input?: ValueInfoMsg[];
  output?: ValueInfoMsg[];
}
interface ModelMsg {
  graph?: GraphMsg;
  opset_import?: { domain?: string; version?: number }[];
}

/** Tensors above this many elements are refused (a forged dims field must not allocate gigabytes). */
const MAX_ELEMENTS = 2 ** 28;

class OnnxError extends Error {}
function fail(message: string): never {
  throw new OnnxError(`onnx.load: ${message}`);
}

function numelOf(dims: readonly number[], what: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`${what} has an invalid dim ${String(d)} in [${dims.join(', ')}]`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) fail(`${what} has ${n} elements (dims [${dims.join(', ')}]), more than the limit ${MAX_ELEMENTS}`);
  return n;
}

function toInt32(values: ArrayLike<number | bigint>, what: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    // int64 shape constants use INT64_MAX / MIN for "to the end": clamp those, refuse other large values.
    if (v >= 2 ** 62) out[i] = 2 ** 31 - 1;
    else if (v <= -(2 ** 62)) out[i] = -(2 ** 31);
    else if (!Number.isInteger(v) || v > 2 ** 31 - 1 || v < -(2 ** 31)) fail(`${what} holds ${String(values[i])}, outside int32`);
    else out[i] = v;
  }
  return out;
}

/** A TensorProto as a Nabla tensor: float32/float64 as is, integer types as int32, bool as bool. */
function decodeTensor(t: TensorMsg, what: string): Tensor {
  const dims = (t.dims ?? []).map(Number);
  const n = numelOf(dims, what);
  if (t.data_location === 1) fail(`${what} stores its data in an external file, which onnx.load does not read`);
  const raw = t.raw_data !== undefined && t.raw_data.length > 0 ? t.raw_data : null;
  const type = t.data_type ?? 0;
  const bytesPer: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.INT8]: 1, [DataType.UINT8]: 1, [DataType.BOOL]: 1 };
  const size = bytesPer[type];
  if (size === undefined) fail(`${what} has data type ${type}, which onnx.load does not support (float, double, int8/32/64, uint8, bool)`);
  let view: DataView | null = null;
  if (raw !== null) {
    if (raw.length !== n * size) fail(`${what}: raw_data has ${raw.length} bytes, but dims [${dims.join(', ')}] of data type ${type} need ${n * size}`);
    view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  const listed = (list: number[] | undefined, name: string): number[] => {
    const values = list ?? [];
    if (values.length !== n) fail(`${what}: ${name} has ${values.length} values, but dims [${dims.join(', ')}] need ${n}`);
    return values;
  };
  switch (type) {
    case DataType.FLOAT: {
      const data = view === null ? Float32Array.from(listed(t.float_data, 'float_data')) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
      return nb.tensor(data, { dtype: 'float32' }).reshape(dims);
    }
    case DataType.DOUBLE: {
      const data = view === null ? Float64Array.from(listed(t.double_data, 'double_data')) : Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
      return nb.tensor(data, { dtype: 'float64' }).reshape(dims);
    }
    case DataType.INT64: {
      const values = view === null ? listed(t.int64_data, 'int64_data') : Array.from({ length: n }, (_, i) => view.getBigInt64(8 * i, true));
      return nb.tensor(toInt32(values, what), { dtype: 'int32' }).reshape(dims);
    }
    case DataType.BOOL: {
      const values = view === null ? listed(t.int32_data, 'int32_data') : Array.from(raw!);
      return nb.tensor(values.map((v) => v !== 0), { dtype: 'bool' }).reshape(dims);
    }
    default: {
      const values =
        view === null
          ? listed(t.int32_data, 'int32_data')
          : Array.from({ length: n }, (_, i) => (type === DataType.INT32 ? view.getInt32(4 * i, true) : type === DataType.INT8 ? view.getInt8(i) : view.getUint8(i)));
      return nb.tensor(toInt32(values, what), { dtype: 'int32' }).reshape(dims);
    }
  }
}

/** A node's attributes by name, read with type checks. */
class Attrs {
  private readonly byName = new Map<string, Attr>();
  constructor(
    private readonly where: string,
    list: readonly Attr[],
  ) {
    for (const a of list) this.byName.set(a.name, a);
  }
  int(name: string, fallback?: number): number {
    const a = this.byName.get(name);
    if (a === undefined) return fallback ?? fail(`${this.where} needs the attribute '${name}'`);
    if (a.type !== AttrType.INT || typeof a.i !== 'number' || !Number.isSafeInteger(a.i)) fail(`${this.where}: attribute '${name}' must be an int`);
    return a.i;
  }
  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    if (a === undefined) return fallback;
    if (a.type !== AttrType.FLOAT || typeof a.f !== 'number') fail(`${this.where}: attribute '${name}' must be a float`);
    return a.f;
  }
  ints(name: string, fallback?: number[]): number[] {
    const a = this.byName.get(name);
    if (a === undefined) return fallback ?? fail(`${this.where} needs the attribute '${name}'`);
    if (a.type !== AttrType.INTS || !Array.isArray(a.ints) || a.ints.some((v) => !Number.isSafeInteger(v))) fail(`${this.where}: attribute '${name}' must be a list of ints`);
    return a.ints.map(Number);
  }
  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    if (a === undefined) return fallback;
    if (a.type !== AttrType.STRING || a.s === undefined) fail(`${this.where}: attribute '${name}' must be a string`);
    return new TextDecoder().decode(a.s);
  }
  strings(name: string): string[] | undefined {
    const a = this.byName.get(name) as (Attr & { strings?: Uint8Array[] }) | undefined;
    return a?.strings?.map((s) => new TextDecoder().decode(s));
  }
  tensor(name: string): Tensor | undefined {
    const a = this.byName.get(name);
    if (a === undefined) return undefined;
    if (a.type !== AttrType.TENSOR || a.t === undefined) fail(`${this.where}: attribute '${name}' must be a tensor`);
    return decodeTensor(a.t, `${this.where} attribute '${name}'`);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
}

/** Holds parameters under one level of a dotted initializer name. */
class ParameterGroup extends Module {
  forward(): never {
    throw new Error('onnx.load: a parameter group has no forward');
  }
}

interface Op {
  where: string;
  opset: number;
  attrs: Attrs;
  /** Input i, or null when absent (empty name or past the end). */
  input(i: number): Tensor | null;
  need(i: number): Tensor;
  /** How many outputs the node names. */
  outputs: number;
}

const intsOf = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray(), Number);
const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function sameOrErr(op: Op, pads: number[], nd: number): number[] {
  const before = pads.slice(0, nd);
  const after = pads.slice(nd);
  if (after.some((p, i) => p !== before[i])) fail(`${op.where}: asymmetric pads [${pads.join(', ')}] are not supported for this op`);
  return before;
}

function checkAutoPad(op: Op): void {
  const autoPad = op.attrs.string('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') fail(`${op.where}: auto_pad '${autoPad}' is not supported (export with explicit pads)`);
}

function softmaxLike(op: Op, log: boolean): Tensor {
  const x = op.need(0);
  const axis = normAxis(op.attrs.int('axis', op.opset >= 13 ? -1 : 1), x.ndim);
  const fn = log ? nb.F.logSoftmax : nb.F.softmax;
  if (op.opset >= 13) return fn(x, axis);
  // Before opset 13: softmax over the input coerced to 2-D at axis.
  const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  return fn(x.reshape([rows, -1]), 1).reshape(x.shape);
}

/** ONNX's gate blocks back in PyTorch's order (LSTM i,o,f,c -> i,f,g,o; GRU z,r,h -> r,z,n). */
function torchGates(w: Tensor, mode: 'lstm' | 'gru' | 'rnn', hidden: number): Tensor {
  if (mode === 'rnn') return w;
  const blocks = nb.split(w, hidden, 0);
  const order = mode === 'lstm' ? [0, 2, 3, 1] : [1, 0, 2];
  return nb.cat(order.map((i) => blocks[i]!), 0);
}

function recurrentOp(op: Op, mode: 'lstm' | 'gru' | 'rnn'): (Tensor | null)[] {
  const x = op.need(0);
  const W = op.need(1);
  const R = op.need(2);
  const B = op.input(3);
  if (op.input(4) !== null) fail(`${op.where}: sequence_lens is not supported (pass full-length sequences)`);
  const h0 = op.input(5);
  const c0 = mode === 'lstm' ? op.input(6) : null;
  if (mode === 'lstm' && op.input(7) !== null) fail(`${op.where}: peephole weights (input P) are not supported`);
  const hidden = op.attrs.int('hidden_size');
  const direction = op.attrs.string('direction', 'forward');
  if (direction !== 'forward' && direction !== 'bidirectional') fail(`${op.where}: direction '${direction}' is not supported`);
  if (op.attrs.int('layout', 0) !== 0) fail(`${op.where}: layout 1 is not supported`);
  if (op.attrs.has('clip')) fail(`${op.where}: the clip attribute is not supported`);
  if (mode === 'gru' && op.attrs.int('linear_before_reset', 0) !== 1) fail(`${op.where}: GRU with linear_before_reset=0 is not supported (PyTorch's GRU has 1)`);
  const D = direction === 'bidirectional' ? 2 : 1;
  const acts = op.attrs.strings('activations');
  let rnnMode: RecurrentMode = mode === 'lstm' ? 'lstm' : mode === 'gru' ? 'gru' : 'rnnTanh';
  if (acts !== undefined) {
    const expected = mode === 'lstm' ? ['Sigmoid', 'Tanh', 'Tanh'] : mode === 'gru' ? ['Sigmoid', 'Tanh'] : null;
    const perDir = acts.slice(0, acts.length / D);
    if (mode === 'rnn' && perDir.length === 1 && perDir[0] === 'Relu') rnnMode = 'rnnRelu';
    else if (expected === null ? perDir[0] !== 'Tanh' : perDir.join() !== expected.join()) fail(`${op.where}: activations ${acts.join(', ')} are not supported`);
  }
  const gates = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
  if (x.ndim !== 3) fail(`${op.where}: input X must be [seq, batch, input], got [${x.shape.join(', ')}]`);
  if (W.ndim !== 3 || W.shape[0] !== D || W.shape[1] !== gates * hidden || W.shape[2] !== x.shape[2]) fail(`${op.where}: W has shape [${W.shape.join(', ')}], expected [${D}, ${gates * hidden}, ${x.shape[2]}]`);
  if (R.ndim !== 3 || R.shape[0] !== D || R.shape[1] !== gates * hidden || R.shape[2] !== hidden) fail(`${op.where}: R has shape [${R.shape.join(', ')}], expected [${D}, ${gates * hidden}, ${hidden}]`);
  if (B !== null && (B.ndim !== 2 || B.shape[0] !== D || B.shape[1] !== 2 * gates * hidden)) fail(`${op.where}: B has shape [${B.shape.join(', ')}], expected [${D}, ${2 * gates * hidden}]`);
  const weights: RecurrentWeights[] = [];
  for (let d = 0; d < D; d++) {
    const b = B === null ? null : B.select(0, d);
    weights.push({
      weightIh: torchGates(W.select(0, d), mode, hidden),
      weightHh: torchGates(R.select(0, d), mode, hidden),
      biasIh: b === null ? null : torchGates(b.narrow(0, 0, gates * hidden), mode, hidden),
      biasHh: b === null ? null : torchGates(b.narrow(0, gates * hidden, gates * hidden), mode, hidden),
    });
  }
  const hx = mode === 'lstm' ? (h0 === null && c0 === null ? null : ([h0 ?? nb.zeros([D, x.shape[1]!, hidden]), c0 ?? nb.zeros([D, x.shape[1]!, hidden])] as const)) : h0;
  const r = recurrent(x, hx, weights, { mode: rnnMode, bidirectional: D === 2, name: op.where });
  const [T, Bn] = [x.shape[0]!, x.shape[1]!];
  const Y = r.output.reshape([T, Bn, D, hidden]).permute([0, 2, 1, 3]);
  return [Y, r.hN, r.cN];
}

type OpFn = (op: Op) => Tensor | (Tensor | null)[];

const unaryOps: Record<string, (x: Tensor) => Tensor> = {
  Relu: nb.relu,
  Sigmoid: nb.sigmoid,
  Tanh: nb.tanh,
  Exp: nb.exp,
  Log: nb.log,
  Sqrt: nb.sqrt,
  Neg: nb.neg,
  Abs: nb.abs,
  Erf: nb.erf,
  Reciprocal: nb.reciprocal,
  Floor: nb.floor,
  Ceil: nb.ceil,
  Sin: nb.sin,
  Cos: nb.cos,
  Not: nb.logicalNot,
  Softplus: (x) => nb.F.softplus(x),
  HardSwish: (x) => nb.F.hardswish(x),
  Identity: (x) => x,
};

const binaryOps: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  Add: nb.add,
  Sub: nb.sub,
  Mul: nb.mul,
  Div: (a, b) => (a.dtype === 'int32' && b.dtype === 'int32' ? nb.floorDivide(a, b) : nb.div(a, b)),
  Pow: nb.pow,
  Equal: nb.eq,
  Less: nb.lt,
  Greater: nb.gt,
  LessOrEqual: nb.le,
  GreaterOrEqual: nb.ge,
  And: nb.logicalAnd,
  Or: nb.logicalOr,
  Xor: nb.logicalXor,
};

const ONNX_TO_DTYPE: Record<number, nb.DType> = { [DataType.FLOAT]: 'float32', [DataType.DOUBLE]: 'float64', [DataType.INT64]: 'int32', [DataType.INT32]: 'int32', [DataType.BOOL]: 'bool' };

function axesInput(op: Op, index: number): number[] | null {
  if (op.opset < 13 || (op.attrs.has('axes') && op.input(index) === null)) return op.attrs.has('axes') ? op.attrs.ints('axes') : null;
  const t = op.input(index);
  return t === null ? null : intsOf(t);
}

function reduceOp(op: Op, kind: 'mean' | 'sum' | 'max' | 'min'): Tensor {
  const x = op.need(0);
  const axes = (kind === 'sum' ? axesInput(op, 1) : op.attrs.has('axes') ? op.attrs.ints('axes') : null)?.map((a) => normAxis(a, x.ndim)) ?? null;
  const keep = op.attrs.int('keepdims', 1) === 1;
  const dims = axes ?? x.shape.map((_, i) => i);
  if (dims.length === 0) return op.attrs.int('noop_with_empty_axes', 0) === 1 ? x : nb.sum(x, x.shape.map((_, i) => i), keep);
  if (kind === 'mean') return nb.mean(x, dims, keep);
  if (kind === 'sum') return nb.sum(x, dims, keep);
  return kind === 'max' ? nb.amax(x, dims, keep) : nb.amin(x, dims, keep);
}

function poolAttrs(op: Op, x: Tensor): { kernel: number[]; stride: number[]; padding: number[]; ceilMode: boolean } {
  checkAutoPad(op);
  const kernel = op.attrs.ints('kernel_shape');
  const nd = kernel.length;
  if (x.ndim !== nd + 2) fail(`${op.where}: input [${x.shape.join(', ')}] must have ${nd + 2} dims for kernel_shape [${kernel.join(', ')}]`);
  return {
    kernel,
    stride: op.attrs.ints('strides', kernel.map(() => 1)),
    padding: sameOrErr(op, op.attrs.ints('pads', Array<number>(2 * nd).fill(0)), nd),
    ceilMode: op.attrs.int('ceil_mode', 0) === 1,
  };
}

const OPS: Record<string, OpFn> = {
  Conv: (op) => {
    checkAutoPad(op);
    const x = op.need(0);
    const w = op.need(1);
    const nd = w.ndim - 2;
    const pads = op.attrs.ints('pads', Array<number>(2 * nd).fill(0));
    if (pads.length !== 2 * nd) fail(`${op.where}: pads must have ${2 * nd} values, got ${pads.length}`);
    return convNd(x, w, op.input(2), {
      stride: op.attrs.ints('strides', Array<number>(nd).fill(1)),
      padding: Array.from({ length: nd }, (_, d) => [pads[d]!, pads[d + nd]!] as const),
      dilation: op.attrs.ints('dilations', Array<number>(nd).fill(1)),
      groups: op.attrs.int('group', 1),
    });
  },
  ConvTranspose: (op) => {
    checkAutoPad(op);
    if (op.attrs.has('output_shape')) fail(`${op.where}: output_shape is not supported (use pads and output_padding)`);
    const x = op.need(0);
    const w = op.need(1);
    const nd = w.ndim - 2;
    return convTransposeNd(x, w, op.input(2), {
      stride: op.attrs.ints('strides', Array<number>(nd).fill(1)),
      padding: sameOrErr(op, op.attrs.ints('pads', Array<number>(2 * nd).fill(0)), nd),
      outputPadding: op.attrs.ints('output_padding', Array<number>(nd).fill(0)),
      dilation: op.attrs.ints('dilations', Array<number>(nd).fill(1)),
      groups: op.attrs.int('group', 1),
    });
  },
  Gemm: (op) => {
    let a = op.need(0);
    let b = op.need(1);
    if (a.ndim !== 2 || b.ndim !== 2) fail(`${op.where}: A and B must be 2-D, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    if (op.attrs.int('transA', 0) === 1) a = a.transpose(0, 1);
    if (op.attrs.int('transB', 0) === 1) b = b.transpose(0, 1);
    let y = nb.matmul(a, b);
    const alpha = op.attrs.float('alpha', 1);
    if (alpha !== 1) y = nb.mul(y, alpha);
    const c = op.input(2);
    if (c !== null) {
      const beta = op.attrs.float('beta', 1);
      y = nb.add(y, beta === 1 ? c : nb.mul(c, beta));
    }
    return y;
  },
  MatMul: (op) => nb.matmul(op.need(0), op.need(1)),
  BatchNormalization: (op) => {
    if (op.attrs.int('training_mode', 0) === 1) fail(`${op.where}: training_mode=1 is not supported`);
    return nb.F.batchNorm(op.need(0), op.need(3), op.need(4), op.need(1), op.need(2), { eps: op.attrs.float('epsilon', 1e-5), training: false });
  },
  LayerNormalization: (op) => {
    const x = op.need(0);
    const axis = normAxis(op.attrs.int('axis', -1), x.ndim);
    return nb.F.layerNorm(x, x.shape.slice(axis), op.input(1), op.input(2), { eps: op.attrs.float('epsilon', 1e-5) });
  },
  MaxPool: (op) => {
    const x = op.need(0);
    if (op.attrs.int('storage_order', 0) !== 0) fail(`${op.where}: storage_order 1 is not supported`);
    const p = poolAttrs(op, x);
    return maxPoolNd(x, { ...p, dilation: op.attrs.ints('dilations', p.kernel.map(() => 1)) }).values;
  },
  AveragePool: (op) => {
    const x = op.need(0);
    const p = poolAttrs(op, x);
    return avgPoolNd(x, { ...p, countIncludePad: op.attrs.int('count_include_pad', 0) === 1, divisorOverride: null });
  },
  GlobalAveragePool: (op) => {
    const x = op.need(0);
    return nb.mean(x, x.shape.slice(2).map((_, i) => i + 2), true);
  },
  GlobalMaxPool: (op) => {
    const x = op.need(0);
    return nb.amax(x, x.shape.slice(2).map((_, i) => i + 2), true);
  },
  LeakyRelu: (op) => nb.F.leakyRelu(op.need(0), op.attrs.float('alpha', 0.01)),
  Elu: (op) => nb.F.elu(op.need(0), op.attrs.float('alpha', 1)),
  HardSigmoid: (op) => nb.clamp(nb.add(nb.mul(op.need(0), op.attrs.float('alpha', 0.2)), op.attrs.float('beta', 0.5)), 0, 1),
  Clip: (op) => {
    const x = op.need(0);
    const lo = op.opset >= 11 ? op.input(1) : null;
    const hi = op.opset >= 11 ? op.input(2) : null;
    const min = lo !== null ? lo.item() : op.opset < 11 ? op.attrs.float('min', -Infinity) : -Infinity;
    const max = hi !== null ? hi.item() : op.opset < 11 ? op.attrs.float('max', Infinity) : Infinity;
    return nb.clamp(x, Number.isFinite(min) ? min : null, Number.isFinite(max) ? max : null);
  },
  Softmax: (op) => softmaxLike(op, false),
  LogSoftmax: (op) => softmaxLike(op, true),
  Concat: (op) => {
    const parts: Tensor[] = [];
    for (let i = 0; op.input(i) !== null || i === 0; i++) parts.push(op.need(i));
    return nb.cat(parts, op.attrs.int('axis'));
  },
  Reshape: (op) => {
    const x = op.need(0);
    const allowZero = op.attrs.int('allowzero', 0) === 1;
    const shape = intsOf(op.need(1)).map((d, i) => (d === 0 && !allowZero ? (x.shape[i] ?? fail(`${op.where}: shape dim ${i} is 0 (copy) but the input has ${x.ndim} dims`)) : d));
    return x.reshape(shape);
  },
  Flatten: (op) => {
    const x = op.need(0);
    const axis = normAxis(op.attrs.int('axis', 1), x.ndim);
    const rows = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return x.reshape([rows, -1]);
  },
  Transpose: (op) => {
    const x = op.need(0);
    return x.permute(op.attrs.ints('perm', x.shape.map((_, i) => x.ndim - 1 - i)));
  },
  Slice: (op) => {
    let x = op.need(0);
    const starts = intsOf(op.need(1));
    const ends = intsOf(op.need(2));
    const axes = op.input(3) === null ? starts.map((_, i) => i) : intsOf(op.need(3));
    const steps = op.input(4) === null ? starts.map(() => 1) : intsOf(op.need(4));
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) fail(`${op.where}: starts, ends, axes and steps must have the same length`);
    axes.forEach((a, i) => {
      const axis = normAxis(a, x.ndim);
      const step = steps[i]!;
      if (step > 0) x = nb.slice(x, axis, starts[i]!, ends[i]!, step);
      else if (step === -1 && starts[i]! >= x.shape[axis]! - 1 && ends[i]! <= -x.shape[axis]! - 1) x = nb.flip(x, [axis]);
      else fail(`${op.where}: step ${step} is not supported (positive steps, or -1 over the whole axis)`);
    });
    return x;
  },
  Gather: (op) => {
    const x = op.need(0);
    const idx = op.need(1);
    const axis = normAxis(op.attrs.int('axis', 0), x.ndim);
    const size = x.shape[axis]!;
    const flat = nb.where(nb.lt(idx.flatten(), 0), nb.add(idx.flatten(), size), idx.flatten());
    const picked = nb.indexSelect(x, axis, flat);
    return picked.reshape([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
  },
  Shape: (op) => {
    const x = op.need(0);
    const start = op.attrs.int('start', 0);
    const end = op.attrs.has('end') ? op.attrs.int('end') : x.ndim;
    return nb.tensor(x.shape.slice(start, end === 0 ? 0 : end), { dtype: 'int32' });
  },
  Constant: (op) => {
    const t = op.attrs.tensor('value');
    if (t !== undefined) return t;
    if (op.attrs.has('value_float')) return nb.tensor(op.attrs.float('value_float', 0));
    if (op.attrs.has('value_int')) return nb.tensor(op.attrs.int('value_int'), { dtype: 'int32' });
    if (op.attrs.has('value_ints')) return nb.tensor(op.attrs.ints('value_ints'), { dtype: 'int32' });
    return fail(`${op.where}: only value, value_float, value_int and value_ints are supported`);
  },
  ConstantOfShape: (op) => {
    const shape = intsOf(op.need(0));
    numelOf(shape, op.where);
    const value = op.attrs.tensor('value');
    return value === undefined ? nb.zeros(shape) : nb.full(shape, value.flatten().item(), { dtype: value.dtype });
  },
  Unsqueeze: (op) => {
    let x = op.need(0);
    const axes = axesInput(op, 1) ?? fail(`${op.where} needs axes`);
    const rank = x.ndim + axes.length;
    for (const a of axes.map((v) => normAxis(v, rank)).sort((p, q) => p - q)) x = nb.unsqueeze(x, a);
    return x;
  },
  Squeeze: (op) => {
    const x = op.need(0);
    const axes = axesInput(op, 1);
    return axes === null ? nb.squeeze(x) : nb.squeeze(x, axes.map((a) => normAxis(a, x.ndim)));
  },
  Dropout: (op) => op.need(0),
  Cast: (op) => {
    const to = op.attrs.int('to');
    const dtype = ONNX_TO_DTYPE[to] ?? fail(`${op.where}: cast to data type ${to} is not supported`);
    return op.need(0).to(dtype);
  },
  Expand: (op) => {
    const x = op.need(0);
    const shape = intsOf(op.need(1));
    const rank = Math.max(x.ndim, shape.length);
    const xs = [...Array<number>(rank - x.ndim).fill(1), ...x.shape];
    const ss = [...Array<number>(rank - shape.length).fill(1), ...shape];
    return nb.expand(x.reshape(xs), xs.map((d, i) => (d === 1 ? ss[i]! : d)));
  },
  Where: (op) => nb.where(op.need(0), op.need(1), op.need(2)),
  Max: (op) => {
    let y = op.need(0);
    for (let i = 1; op.input(i) !== null; i++) y = nb.maximum(y, op.need(i));
    return y;
  },
  Min: (op) => {
    let y = op.need(0);
    for (let i = 1; op.input(i) !== null; i++) y = nb.minimum(y, op.need(i));
    return y;
  },
  ReduceMean: (op) => reduceOp(op, 'mean'),
  ReduceSum: (op) => reduceOp(op, 'sum'),
  ReduceMax: (op) => reduceOp(op, 'max'),
  ReduceMin: (op) => reduceOp(op, 'min'),
  Split: (op) => {
    const x = op.need(0);
    const axis = normAxis(op.attrs.int('axis', 0), x.ndim);
    const given = op.opset >= 13 ? op.input(1) : null;
    const sizes = given !== null ? intsOf(given) : op.attrs.has('split') ? op.attrs.ints('split') : null;
    return sizes !== null ? nb.split(x, sizes, axis) : nb.chunk(x, op.outputs, axis);
  },
  PRelu: (op) => {
    const x = op.need(0);
    const slope = op.need(1);
    return nb.where(nb.lt(x, 0), nb.mul(x, slope), x);
  },
  LSTM: (op) => recurrentOp(op, 'lstm'),
  GRU: (op) => recurrentOp(op, 'gru'),
  RNN: (op) => recurrentOp(op, 'rnn'),
};

/** The ops onnx.load runs. */
export const supportedOps: readonly string[] = [...Object.keys(OPS), ...Object.keys(unaryOps), ...Object.keys(binaryOps)].sort();

/** A loaded ONNX graph as a Module: forward(...inputs) runs it; float initializers are Parameters. */
export class OnnxModel extends Module {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly opset: number;
  readonly #graph: GraphMsg;
  readonly #initializers = new Map<string, Tensor>();
  readonly #inputShapes: (number | string)[][];

  constructor(graph: GraphMsg, opset: number) {
    super();
    this.#graph = graph;
    this.opset = opset;
    for (const [i, t] of (graph.initializer ?? []).entries()) {
      const name = t.name ?? fail(`initializer ${i} has no name`);
      if (this.#initializers.has(name)) fail(`initializer ${quoteShort(name)} appears twice`);
      const value = decodeTensor(t, `initializer ${quoteShort(name)}`);
      this.#initializers.set(name, value.dtype === 'float32' || value.dtype === 'float64' ? this.#addParameter(name, value) : value);
    }
    const inputs = (graph.input ?? []).filter((v) => !this.#initializers.has(v.name ?? ''));
    this.inputNames = inputs.map((v, i) => v.name ?? fail(`graph input ${i} has no name`));
    this.#inputShapes = inputs.map((v) => (v.type?.tensor_type?.shape?.dim ?? []).map((d) => d.dim_param ?? Number(d.dim_value ?? -1)));
    this.outputNames = (graph.output ?? []).map((v, i) => v.name ?? fail(`graph output ${i} has no name`));
    if (this.outputNames.length === 0) fail('the graph has no outputs');
    this.#checkGraph();
  }

  /** Registers a parameter under its name, dots as nested groups ('fc.weight' -> fc.weight in stateDict()). */
  #addParameter(name: string, value: Tensor): Parameter {
    const param = new Parameter(value);
    const parts = name.split('.');
    if (parts.some((p) => p === '')) {
      this.registerParameter(name.replaceAll('.', '_') || '_', param);
      return param;
    }
    const owner = parts.slice(0, -1).reduce<Module>((m, part) => {
      const existing = [...m.namedChildren()].find(([n]) => n === part)?.[1];
      return existing ?? m.registerModule(part, new ParameterGroup());
    }, this);
    owner.registerParameter(parts[parts.length - 1]!, param);
    return param;
  }

  /** Every node's op is known and every value it reads is produced earlier (or is an input/initializer). */
  #checkGraph(): void {
    const known = new Set<string>([...this.inputNames, ...this.#initializers.keys(), '']);
    (this.#graph.node ?? []).forEach((node, i) => {
      const where = `node ${i} (${quoteShort(node.op_type ?? '?')}${node.name ? ` ${quoteShort(node.name)}` : ''})`;
      if (node.domain !== undefined && node.domain !== '' && node.domain !== 'ai.onnx') fail(`${where} is in the domain ${quoteShort(node.domain)}, which onnx.load does not support`);
      const type = node.op_type ?? '';
      if (OPS[type] === undefined && unaryOps[type] === undefined && binaryOps[type] === undefined) {
        fail(`${where}: the op ${quoteShort(type)} is not supported (nb.onnx.supportedOps lists the ${supportedOps.length} supported ops)`);
      }
      for (const input of node.input ?? []) if (!known.has(input)) fail(`${where} reads ${quoteShort(input)}, which no earlier node, input or initializer produces`);
      for (const output of node.output ?? []) known.add(output);
    });
    for (const name of this.outputNames) if (!known.has(name)) fail(`the graph output ${quoteShort(name)} is never produced`);
  }

  /** Runs the graph: one tensor per graph input; one output is returned as a Tensor, several as an array. */
  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputNames.length) {
      throw new Error(`OnnxModel: expected ${this.inputNames.length} inputs (${quoteShort(this.inputNames.join(', '))}), got ${inputs.length}`);
    }
    const values = new Map<string, Tensor>(this.#initializers);
    inputs.forEach((x, i) => {
      if (!(x instanceof nb.Tensor)) throw new Error(`OnnxModel: input ${i} (${quoteShort(this.inputNames[i]!)}) must be a Tensor`);
      const dims = this.#inputShapes[i]!;
      const ok = dims.length === 0 || (dims.length === x.ndim && dims.every((d, k) => typeof d === 'string' || d < 0 || d === x.shape[k]));
      if (!ok) throw new Error(`OnnxModel: input ${quoteShort(this.inputNames[i]!)} must have shape [${dims.join(', ')}], got [${x.shape.join(', ')}]`);
      values.set(this.inputNames[i]!, x);
    });
    (this.#graph.node ?? []).forEach((node, n) => {
      const type = node.op_type!;
      const where = `${quoteShort(type)} node ${n}${node.name ? ` ${quoteShort(node.name)}` : ''}`;
      const names = node.input ?? [];
      const input = (i: number): Tensor | null => (i < names.length && names[i] !== '' ? values.get(names[i]!)! : null);
      const op: Op = {
        where,
        opset: this.opset,
        attrs: new Attrs(where, node.attribute ?? []),
        input,
        need: (i) => input(i) ?? fail(`${where} needs input ${i}`),
        outputs: (node.output ?? []).length,
      };
      let result: Tensor | (Tensor | null)[];
      try {
        const unaryFn = unaryOps[type];
        const binaryFn = binaryOps[type];
        result = unaryFn !== undefined ? unaryFn(op.need(0)) : binaryFn !== undefined ? binaryFn(op.need(0), op.need(1)) : OPS[type]!(op);
      } catch (e) {
        if (e instanceof OnnxError) throw e;
        throw new Error(`onnx.load: ${where}: ${(e as Error).message}`.slice(0, 500));
      }
      const outs = Array.isArray(result) ? result : [result];
      (node.output ?? []).forEach((name, k) => {
        const t = outs[k];
        if (name !== '' && t != null) values.set(name, t);
      });
    });
    const outputs = this.outputNames.map((name) => values.get(name) ?? fail(`the graph output ${quoteShort(name)} was not computed`));
    return outputs.length === 1 ? outputs[0]! : outputs;
  }
}

const MAX_BYTES = 2 ** 31;

/**
 * Reads an ONNX model (bytes of a ModelProto, opsets 11 to 17) into an OnnxModel that runs it
 * with Nabla ops. Malformed or unsupported files are errors that say what is wrong.
 */
export function load(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new Error(`onnx.load: expected the model's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length === 0) fail('the file is empty');
  if (bytes.length > MAX_BYTES) fail(`the file has ${bytes.length} bytes, more than ${MAX_BYTES}`);
  const ModelProto = onnxType('ModelProto');
  let model: ModelMsg;
  try {
    model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, enums: Number, bytes: Uint8Array, arrays: false }) as ModelMsg;
  } catch (e) {
    fail(`not a valid ONNX protobuf (${(e as Error).message})`);
  }
  const graph = model.graph ?? fail('the model has no graph');
  const opsets = (model.opset_import ?? []).filter((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (opsets.length !== 1) fail(`expected one opset_import for the default domain, got ${opsets.length}`);
  const opset = Number(opsets[0]!.version ?? 0);
  if (!(opset >= 11 && opset <= 17)) fail(`opset ${opset} is not supported (11 to 17)`);
  try {
    return new OnnxModel(graph, opset);
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    throw new Error(`onnx.load: ${(e as Error).message}`);
  }
}
