/**
 * ONNX export by tracing. The model runs once on the sample inputs (eval mode, no gradients)
 * while apply() reports every primitive op to a tracer (autograd/trace.ts); each op becomes ONNX
 * nodes here. Op-level recording covers any forward code (residual adds, cats, flattens in a
 * model's own forward) without knowing the module tree. Composites that ONNX has as one operator
 * (BatchNormalization, LayerNormalization, adaptive pooling, RNN/LSTM/GRU) mark themselves with
 * traceRegion, so they export as that operator rather than as the ops they are made of.
 * MultiheadAttention is traced through: it exports decomposed (MatMul, Softmax, Transpose, ...).
 * Parameters and buffers become initializers under their state-dict names; other tensors the
 * graph reads (scalars, masks) become constant initializers.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { Module } from '../nn/module.js';
import { noGrad } from '../autograd/grad-mode.js';
import { withTracer, type OpTracer } from '../autograd/trace.js';
import type { ConvGeometry, PoolGeometry, AvgPoolGeometry, UnaryParams } from '../backend/types.js';
import type { RecurrentTrace } from '../nn/layers/recurrent.js';
import { AttrType, DataType, onnxType } from './proto.js';
import { averagingMatrix } from '../nn/functional/pool.js';

export interface ExportOptions {
  /** ONNX opset, 13..17 (default 17). LayerNormalization needs 17; below it is decomposed. */
  opset?: number;
  /** Graph input names, one per sample input (default input0, input1, ...). */
  inputNames?: readonly string[];
  /** Graph output names, one per output tensor (default output0, ...). */
  outputNames?: readonly string[];
  /** Symbolic dims per input or output name, as torch.onnx.export: { input0: { 0: 'batch' } }. */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

type Attr = { name: string; type: number; i?: number; f?: number; s?: Uint8Array; ints?: number[]; floats?: number[] };
interface NodeMsg {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  attribute: Attr[];
}
interface TensorMsg {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const ONNX_DTYPE: Record<DType, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};

function onnxDtype(dtype: DType, where: string): number {
  const t = ONNX_DTYPE[dtype] as number | undefined;
  if (t === undefined) throw new Error(`onnx.exportModel: ${where} has dtype ${String(dtype)}, which ONNX export does not support`);
  return t;
}

function attrInt(name: string, i: number): Attr {
  return { name, type: AttrType.INT, i };
}
function attrFloat(name: string, f: number): Attr {
  return { name, type: AttrType.FLOAT, f };
}
function attrInts(name: string, ints: readonly number[]): Attr {
  return { name, type: AttrType.INTS, ints: [...ints] };
}
function attrString(name: string, s: string): Attr {
  return { name, type: AttrType.STRING, s: new TextEncoder().encode(s) };
}
function attrStrings(name: string, ss: readonly string[]): Attr {
  return { name, type: AttrType.STRINGS, strings: ss.map((s) => new TextEncoder().encode(s)) } as Attr;
}

function rawBytes(t: Tensor): Uint8Array {
  const data = t.contiguous().toTypedArray();
  if (t.dtype === 'bool') return Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
  const copy = data.slice();
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
}

/** The graph being built: nodes, initializers, and the ONNX name of every traced tensor. */
class GraphBuilder implements OpTracer {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(
    private readonly stateNames: Map<Tensor, string>,
    private readonly modulePrefixes: Map<Module, string>,
    readonly opset: number,
  ) {}

  fresh(base: string): string {
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
  }

  /** The ONNX name of a tensor: a traced value, a parameter or buffer, or a new constant. */
  value(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const stateName = this.stateNames.get(t);
    const name = this.fresh(stateName ?? 'const');
    this.addInitializer(name, t);
    this.names.set(t, name);
    return name;
  }

  addInitializer(name: string, t: Tensor): void {
    this.initializers.push({ name, dims: [...t.shape], data_type: onnxDtype(t.dtype, `constant '${name}'`), raw_data: rawBytes(t) });
  }

  /** An int64 (or float) constant initializer from plain numbers. */
  constInts(values: readonly number[], base = 'shape'): string {
    const name = this.fresh(base);
    const arr = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: new Uint8Array(arr.buffer) });
    return name;
  }

  constScalarInt(value: number): string {
    const name = this.fresh('index');
    this.initializers.push({ name, dims: [], data_type: DataType.INT64, raw_data: new Uint8Array(BigInt64Array.of(BigInt(value)).buffer) });
    return name;
  }

  constFloat(value: number, dtype: DType): string {
    const name = this.fresh('const');
    const t = onnxDtype(dtype, 'a constant');
    const arr = t === DataType.DOUBLE ? Float64Array.of(value) : Float32Array.of(value);
    this.initializers.push({ name, dims: [], data_type: t === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT, raw_data: new Uint8Array(arr.buffer) });
    return name;
  }

  constTensor(base: string, dims: readonly number[], values: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [...dims], data_type: DataType.FLOAT, raw_data: new Uint8Array(values.buffer.slice(0)) });
    return name;
  }

  node(opType: string, inputs: readonly string[], attrs: Attr[] = [], outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(`${opType}_out`));
    this.nodes.push({ op_type: opType, input: [...inputs], output: outs, name: this.fresh(opType), attribute: attrs });
    return outs;
  }

  /** One node with a single output, bound to the tensor it computes. */
  emit(out: Tensor, opType: string, inputs: readonly string[], attrs: Attr[] = []): void {
    this.bind(out, this.node(opType, inputs, attrs)[0]!);
  }

  record(op: string, inputs: readonly (Tensor | null)[], attrs: unknown, outputs: readonly Tensor[]): void {
    const handler = OPS[op];
    if (handler === undefined) {
      throw new Error(
        `onnx.exportModel: the op '${op}' (inputs ${inputs.map((t) => (t === null ? 'none' : `[${t.shape.join(', ')}]`)).join(', ')}) ` +
          `has no ONNX mapping; mapped ops: ${Object.keys(OPS).sort().join(', ')}`,
      );
    }
    handler(this, inputs, attrs, outputs);
  }

  prefixOf(module: Module): string {
    return this.modulePrefixes.get(module) ?? 'rnn';
  }
}

type Handler = (g: GraphBuilder, inputs: readonly (Tensor | null | undefined)[], attrs: unknown, outputs: readonly Tensor[]) => void;

const nn = (t: Tensor | null | undefined, what = 'input'): Tensor => {
  if (t == null) throw new Error(`onnx.exportModel: missing ${what}`);
  return t;
};

function unary(onnx: string): Handler {
  return (g, [x], _a, [out]) => g.emit(out!, onnx, [g.value(nn(x))]);
}

function binary(onnx: string, negate = false): Handler {
  return (g, [a, b], attrs, [out]) => {
    const { dtype } = attrs as { dtype: DType };
    const operand = (t: Tensor): string => (t.dtype === dtype ? g.value(t) : g.node('Cast', [g.value(t)], [attrInt('to', onnxDtype(dtype, 'an operand'))])[0]!);
    if (!negate) return g.emit(out!, onnx, [operand(nn(a)), operand(nn(b))]);
    g.emit(out!, 'Not', g.node(onnx, [operand(nn(a)), operand(nn(b))]));
  };
}

/** The numeric parameters of the activation ops that keep them as an array (hardtanh, celu). */
const params = (a: unknown): readonly number[] => (a as { params: readonly number[] }).params;
/** The typed parameter record of a backend unary op (leakyRelu, elu, softplus, gelu, clamp). */
const unaryParams = <Op extends keyof UnaryParams>(a: unknown): UnaryParams[Op] => (a as { params: UnaryParams[Op] }).params;

function clip(g: GraphBuilder, x: Tensor, out: Tensor, lo: number, hi: number): void {
  const inputs = [g.value(x), Number.isNaN(lo) ? '' : g.constFloat(lo, x.dtype), Number.isNaN(hi) ? '' : g.constFloat(hi, x.dtype)];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  g.emit(out, 'Clip', inputs);
}

/** Padding after each spatial dim implied by an output size (the geometry stores only the padding before). */
function padsAfter(inSize: readonly number[], outSize: readonly number[], kernel: readonly number[], stride: readonly number[], before: readonly number[], dilation: readonly number[]): number[] {
  return inSize.map((n, d) => Math.max(0, (outSize[d]! - 1) * stride[d]! + dilation[d]! * (kernel[d]! - 1) + 1 - n - before[d]!));
}

function recurrentNode(g: GraphBuilder, [input, h0, c0]: readonly (Tensor | null | undefined)[], attrs: unknown, outputs: readonly Tensor[]): void {
  const { mode, layer, lengths } = attrs as RecurrentTrace;
  const name = mode === 'lstm' ? 'LSTM' : mode === 'gru' ? 'GRU' : 'RNN';
  const x = nn(input);
  if (lengths) throw new Error(`onnx.exportModel: ${name} with lengths or a padding mask has no ONNX mapping; export it on full-length batches`);
  if (layer.projSize > 0) throw new Error(`onnx.exportModel: LSTM with projSize has no ONNX mapping`);
  if (x.ndim !== 3) throw new Error(`onnx.exportModel: ${name} exports batched input (3-D), got [${x.shape.join(', ')}]`);
  const H = layer.hiddenSize;
  const D = layer.bidirectional ? 2 : 1;
  const prefix = g.prefixOf(layer);
  // PyTorch's gate blocks in ONNX's order: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h.
  const order = mode === 'lstm' ? [0, 3, 1, 2] : mode === 'gru' ? [1, 0, 2] : [0];
  const gates = order.length;
  const reorder = (w: Tensor): Float32Array => {
    const src = w.contiguous().toTypedArray();
    const rowLen = w.ndim === 2 ? w.shape[1]! : 1;
    const out = new Float32Array(src.length);
    order.forEach((from, to) => out.set(src.subarray(from * H * rowLen, (from + 1) * H * rowLen), to * H * rowLen));
    return out;
  };
  const weights = layer.layerWeights();
  let seq = g.value(x);
  if (layer.batchFirst) seq = g.node('Transpose', [seq], [attrInts('perm', [1, 0, 2])])[0]!;
  const hOut: string[] = [];
  const cOut: string[] = [];
  for (let l = 0; l < layer.numLayers; l++) {
    const dirs = weights.slice(l * D, (l + 1) * D);
    const inSize = dirs[0]!.weightIh.shape[1]!;
    const W = new Float32Array(D * gates * H * inSize);
    const R = new Float32Array(D * gates * H * H);
    const B = new Float32Array(D * 2 * gates * H);
    dirs.forEach((w, d) => {
      W.set(reorder(w.weightIh), d * gates * H * inSize);
      R.set(reorder(w.weightHh), d * gates * H * H);
      if (w.biasIh != null) B.set(reorder(w.biasIh), d * 2 * gates * H);
      if (w.biasHh != null) B.set(reorder(w.biasHh), d * 2 * gates * H + gates * H);
    });
    const stateSlice = (t: Tensor | null | undefined): string => {
      if (t == null) return '';
      return g.node('Slice', [g.value(t), g.constInts([l * D]), g.constInts([(l + 1) * D]), g.constInts([0])])[0]!;
    };
    const ins = [
      seq,
      g.constTensor(`${prefix}.W_l${l}`, [D, gates * H, inSize], W),
      g.constTensor(`${prefix}.R_l${l}`, [D, gates * H, H], R),
      g.constTensor(`${prefix}.B_l${l}`, [D, 2 * gates * H], B),
      '',
      stateSlice(h0),
    ];
    if (mode === 'lstm') ins.push(stateSlice(c0));
    while (ins[ins.length - 1] === '') ins.pop();
    const nodeAttrs = [attrInt('hidden_size', H), attrString('direction', D === 2 ? 'bidirectional' : 'forward')];
    if (mode === 'gru') nodeAttrs.push(attrInt('linear_before_reset', 1));
    if (mode === 'rnnRelu') nodeAttrs.push(attrStrings('activations', D === 2 ? ['Relu', 'Relu'] : ['Relu']));
    const [y, yh, yc] = g.node(name, ins, nodeAttrs, mode === 'lstm' ? 3 : 2);
    hOut.push(yh!);
    if (yc !== undefined) cOut.push(yc);
    // Y [T, D, B, H] -> [T, B, D*H]
    const yt = g.node('Transpose', [y!], [attrInts('perm', [0, 2, 1, 3])])[0]!;
    seq = g.node('Reshape', [yt, g.constInts([0, 0, D * H])])[0]!;
  }
  if (layer.batchFirst) seq = g.node('Transpose', [seq], [attrInts('perm', [1, 0, 2])])[0]!;
  const concat = (parts: string[]): string => (parts.length === 1 ? parts[0]! : g.node('Concat', parts, [attrInt('axis', 0)])[0]!);
  g.bind(outputs[0]!, seq);
  g.bind(outputs[1]!, concat(hOut));
  if (outputs[2] !== undefined) g.bind(outputs[2], concat(cOut));
}

const OPS: Record<string, Handler> = {
  neg: unary('Neg'),
  abs: unary('Abs'),
  sign: unary('Sign'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  reciprocal: unary('Reciprocal'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  relu: unary('Relu'),
  erf: unary('Erf'),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  round: unary('Round'),
  logicalNot: unary('Not'),
  isNan: unary('IsNaN'),
  hardswish: unary('HardSwish'),
  clone: unary('Identity'),
  rsqrt: (g, [x], _a, [out]) => g.emit(out!, 'Reciprocal', g.node('Sqrt', [g.value(nn(x))])),
  square: (g, [x], _a, [out]) => g.emit(out!, 'Mul', [g.value(nn(x)), g.value(nn(x))]),
  log1p: (g, [x], _a, [out]) => g.emit(out!, 'Log', g.node('Add', [g.value(nn(x)), g.constFloat(1, nn(x).dtype)])),
  expm1: (g, [x], _a, [out]) => g.emit(out!, 'Sub', [g.node('Exp', [g.value(nn(x))])[0]!, g.constFloat(1, nn(x).dtype)]),
  leakyRelu: (g, [x], a, [out]) => g.emit(out!, 'LeakyRelu', [g.value(nn(x))], [attrFloat('alpha', unaryParams<'leakyRelu'>(a).negativeSlope)]),
  elu: (g, [x], a, [out]) => {
    const { alpha, scale } = unaryParams<'elu'>(a);
    if (scale === 1) g.emit(out!, 'Elu', [g.value(nn(x))], [attrFloat('alpha', alpha)]);
    else g.emit(out!, 'Selu', [g.value(nn(x))], [attrFloat('alpha', alpha), attrFloat('gamma', scale)]);
  },
  softplus: (g, [x], a, [out]) => {
    const { beta } = unaryParams<'softplus'>(a);
    if (beta === 1) return g.emit(out!, 'Softplus', [g.value(nn(x))]);
    // softplus(beta x) / beta (torch's threshold only switches to x where the two agree in float32)
    const scaled = g.node('Mul', [g.value(nn(x)), g.constFloat(beta, nn(x).dtype)])[0]!;
    g.emit(out!, 'Div', [g.node('Softplus', [scaled])[0]!, g.constFloat(beta, nn(x).dtype)]);
  },
  gelu: (g, [xt], a, [out]) => {
    const x = nn(xt);
    const c = (v: number): string => g.constFloat(v, x.dtype);
    const xv = g.value(x);
    let inner: string;
    if (unaryParams<'gelu'>(a).approximate === 'tanh') {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const cube = g.node('Mul', [xv, g.node('Mul', [xv, xv])[0]!])[0]!;
      const sum = g.node('Add', [xv, g.node('Mul', [cube, c(0.044715)])[0]!])[0]!;
      inner = g.node('Tanh', [g.node('Mul', [sum, c(Math.sqrt(2 / Math.PI))])[0]!])[0]!;
    } else {
      inner = g.node('Erf', [g.node('Div', [xv, c(Math.SQRT2)])[0]!])[0]!;
    }
    const onePlus = g.node('Add', [inner, c(1)])[0]!;
    g.emit(out!, 'Mul', [g.node('Mul', [xv, c(0.5)])[0]!, onePlus]);
  },
  clamp: (g, [x], a, [out]) => {
    const { min, max } = unaryParams<'clamp'>(a);
    clip(g, nn(x), out!, min ?? NaN, max ?? NaN);
  },
  hardtanh: (g, [x], a, [out]) => clip(g, nn(x), out!, params(a)[0]!, params(a)[1]!),
  relu6: (g, [x], _a, [out]) => clip(g, nn(x), out!, 0, 6),
  hardsigmoid: (g, [x], _a, [out]) => g.emit(out!, 'HardSigmoid', [g.value(nn(x))], [attrFloat('alpha', 1 / 6), attrFloat('beta', 0.5)]),
  celu: (g, [x], a, [out]) => g.emit(out!, 'Celu', [g.value(nn(x))], [attrFloat('alpha', params(a)[0]!)]),
  prelu: (g, [x, w], _a, [out]) => {
    const xt = nn(x);
    const wt = nn(w, 'weight');
    // PReLU broadcasts its slope per channel (dim 1): [C] -> [C, 1, ...].
    const slope = xt.ndim > 2 && wt.ndim === 1 && wt.shape[0]! > 1 ? g.node('Reshape', [g.value(wt), g.constInts([wt.shape[0]!, ...Array<number>(xt.ndim - 2).fill(1)])])[0]! : g.value(wt);
    g.emit(out!, 'PRelu', [g.value(xt), slope]);
  },
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  pow: binary('Pow'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  eq: binary('Equal'),
  ne: binary('Equal', true),
  lt: binary('Less'),
  le: binary('LessOrEqual'),
  gt: binary('Greater'),
  ge: binary('GreaterOrEqual'),
  logicalAnd: binary('And'),
  logicalOr: binary('Or'),
  logicalXor: binary('Xor'),
  where: (g, [c, a, b], attrs, [out]) => {
    const { dtype } = attrs as { dtype: DType };
    const operand = (t: Tensor): string => (t.dtype === dtype ? g.value(t) : g.node('Cast', [g.value(t)], [attrInt('to', onnxDtype(dtype, 'an operand'))])[0]!);
    g.emit(out!, 'Where', [g.value(nn(c)), operand(nn(a)), operand(nn(b))]);
  },
  cast: (g, [x], a, [out]) => g.emit(out!, 'Cast', [g.value(nn(x))], [attrInt('to', onnxDtype((a as { dtype: DType }).dtype, 'a cast'))]),
  matmul: (g, [a, b], _a, [out]) => g.emit(out!, 'MatMul', [g.value(nn(a)), g.value(nn(b))]),
  linear: (g, [x, w, b], _a, [out]) => {
    const xt = nn(x);
    if (xt.ndim === 2) {
      const ins = [g.value(xt), g.value(nn(w, 'weight'))];
      if (b != null) ins.push(g.value(b));
      return g.emit(out!, 'Gemm', ins, [attrInt('transB', 1)]);
    }
    const wt = g.node('Transpose', [g.value(nn(w, 'weight'))], [attrInts('perm', [1, 0])])[0]!;
    const prod = g.node('MatMul', [g.value(xt), wt])[0]!;
    if (b == null) g.bind(out!, prod);
    else g.emit(out!, 'Add', [prod, g.value(b)]);
  },
  conv: (g, [x, w, b], a, [out]) => {
    const { geometry: geo, outSize } = a as { geometry: ConvGeometry; outSize: number[] };
    const xt = nn(x);
    const kernel = nn(w, 'weight').shape.slice(2);
    const after = padsAfter(xt.shape.slice(2), outSize, kernel, geo.stride, geo.padding, geo.dilation);
    const ins = [g.value(xt), g.value(nn(w, 'weight'))];
    if (b != null) ins.push(g.value(b));
    g.emit(out!, 'Conv', ins, [
      attrInts('kernel_shape', kernel),
      attrInts('strides', geo.stride),
      attrInts('pads', [...geo.padding, ...after]),
      attrInts('dilations', geo.dilation),
      attrInt('group', geo.groups),
    ]);
  },
  convInputGrad: (g, [x, w], a, [out]) => {
    const { geometry: geo, inSize } = a as { geometry: ConvGeometry; inSize: number[] };
    const xt = nn(x);
    const kernel = nn(w, 'weight').shape.slice(2);
    // ONNX: out = s (in - 1) + outputPadding + d (k - 1) + 1 - 2 p, with torch's symmetric padding.
    const outputPadding = xt.shape.slice(2).map((n, d) => inSize[d]! - (geo.stride[d]! * (n - 1) + geo.dilation[d]! * (kernel[d]! - 1) + 1 - 2 * geo.padding[d]!));
    g.emit(out!, 'ConvTranspose', [g.value(xt), g.value(nn(w, 'weight'))], [
      attrInts('kernel_shape', kernel),
      attrInts('strides', geo.stride),
      attrInts('pads', [...geo.padding, ...geo.padding]),
      attrInts('dilations', geo.dilation),
      attrInts('output_padding', outputPadding),
      attrInt('group', geo.groups),
    ]);
  },
  maxPool: (g, [x], a, [out]) => {
    const { geometry: geo, outSize } = a as { geometry: PoolGeometry | null; outSize: number[] };
    const xt = nn(x);
    if (geo === null) {
      if (outSize.every((s) => s === 1)) return g.emit(out!, 'GlobalMaxPool', [g.value(xt)]);
      throw new Error(`onnx.exportModel: adaptive max pooling to [${outSize.join(', ')}] has no ONNX mapping (only to size 1: GlobalMaxPool)`);
    }
    const after = padsAfter(xt.shape.slice(2), outSize, geo.kernel, geo.stride, geo.padding, geo.dilation);
    g.emit(out!, 'MaxPool', [g.value(xt)], [
      attrInts('kernel_shape', geo.kernel),
      attrInts('strides', geo.stride),
      attrInts('pads', [...geo.padding, ...after]),
      attrInts('dilations', geo.dilation),
    ]);
  },
  avgPool: (g, [x], a, [out]) => {
    const geo = a as AvgPoolGeometry;
    const xt = nn(x);
    const ones = geo.kernel.map(() => 1);
    const after = padsAfter(xt.shape.slice(2), geo.outSize, geo.kernel, geo.stride, geo.padding, ones);
    const ceilExtra = after.some((p, d) => p !== geo.padding[d]);
    if (geo.divisorOverride !== null || (ceilExtra && geo.countIncludePad && geo.padding.some((p) => p > 0))) {
      throw new Error('onnx.exportModel: avgPool with divisorOverride, or ceilMode windows past padding counted in the divisor, has no ONNX mapping');
    }
    g.emit(out!, 'AveragePool', [g.value(xt)], [
      attrInts('kernel_shape', geo.kernel),
      attrInts('strides', geo.stride),
      attrInts('pads', [...geo.padding, ...after]),
      attrInt('count_include_pad', geo.countIncludePad ? 1 : 0),
    ]);
  },
  adaptiveAvgPool: (g, [x], a, [out]) => {
    const { inSize, outSize } = a as { inSize: number[]; outSize: number[] };
    const xt = nn(x);
    if (outSize.every((s) => s === 1)) return g.emit(out!, 'GlobalAveragePool', [g.value(xt)]);
    if (inSize.some((n, d) => n % outSize[d]! !== 0)) {
      // Overlapping windows: one MatMul per spatial dim with its averaging matrix, as Nabla computes it.
      let v = g.value(xt);
      const rank = xt.ndim;
      inSize.forEach((n, d) => {
        if (n === outSize[d]) return;
        const perm = Array.from({ length: rank }, (_, i) => (i === 2 + d ? rank - 1 : i === rank - 1 ? 2 + d : i));
        const m = averagingMatrix(n, outSize[d]!, 'float32').transpose(0, 1).contiguous();
        const moved = g.node('Transpose', [v], [attrInts('perm', perm)])[0]!;
        const pooled = g.node('MatMul', [moved, g.constTensor('adaptive_avg', [n, outSize[d]!], m.toTypedArray() as Float32Array)])[0]!;
        v = g.node('Transpose', [pooled], [attrInts('perm', perm)])[0]!;
      });
      return g.bind(out!, v);
    }
    const kernel = inSize.map((n, d) => n / outSize[d]!);
    g.emit(out!, 'AveragePool', [g.value(xt)], [attrInts('kernel_shape', kernel), attrInts('strides', kernel)]);
  },
  batchNorm: (g, [x, w, b, mean, variance], a, [out]) => {
    const xt = nn(x);
    const C = xt.shape[1]!;
    const filled = (t: Tensor | null | undefined, v: number, what: string): string => t != null ? g.value(t) : g.constTensor(what, [C], new Float32Array(C).fill(v));
    g.emit(out!, 'BatchNormalization', [g.value(xt), filled(w, 1, 'bn_scale'), filled(b, 0, 'bn_bias'), g.value(nn(mean)), g.value(nn(variance))], [
      attrFloat('epsilon', (a as { eps: number }).eps),
    ]);
  },
  layerNorm: (g, [x, w, b], a, [out]) => {
    const { eps, axis } = a as { eps: number; axis: number };
    const xt = nn(x);
    const normShape = xt.shape.slice(xt.ndim + axis);
    const n = normShape.reduce((p, q) => p * q, 1);
    const scale = w != null ? g.value(w) : g.constTensor('ln_scale', normShape, new Float32Array(n).fill(1));
    const ins = [g.value(xt), scale];
    if (b != null) ins.push(g.value(b));
    if (g.opset >= 17) return g.emit(out!, 'LayerNormalization', ins, [attrInt('axis', axis), attrFloat('epsilon', eps)]);
    // Below opset 17: (x - mean) / sqrt(var + eps) * scale + bias with ReduceMean over the last axes.
    const axes = normShape.map((_, i) => xt.ndim + axis + i);
    const mean = g.node('ReduceMean', [ins[0]!], [attrInts('axes', axes)])[0]!;
    const centred = g.node('Sub', [ins[0]!, mean])[0]!;
    const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred])[0]!], [attrInts('axes', axes)])[0]!;
    const std = g.node('Sqrt', [g.node('Add', [variance, g.constFloat(eps, xt.dtype)])[0]!])[0]!;
    const scaled = g.node('Mul', [g.node('Div', [centred, std])[0]!, scale])[0]!;
    if (ins[2] === undefined) g.bind(out!, scaled);
    else g.emit(out!, 'Add', [scaled, ins[2]]);
  },
  softmax: (g, [x], a, [out]) => g.emit(out!, 'Softmax', [g.value(nn(x))], [attrInt('axis', (a as { axis: number }).axis)]),
  logSoftmax: (g, [x], a, [out]) => g.emit(out!, 'LogSoftmax', [g.value(nn(x))], [attrInt('axis', (a as { axis: number }).axis)]),
  reshape: (g, [x], _a, [out]) => {
    const xt = nn(x);
    // Dim 0 kept as 0 ("copy the input's"), so a dynamic batch axis survives flattens.
    const shape = out!.shape.map((d, i) => (i === 0 && xt.ndim > 0 && d === xt.shape[0] && d !== 0 ? 0 : d));
    g.emit(out!, 'Reshape', [g.value(xt), g.constInts(shape)]);
  },
  permute: (g, [x], a, [out]) => g.emit(out!, 'Transpose', [g.value(nn(x))], [attrInts('perm', (a as { dims: number[] }).dims)]),
  expand: (g, [x], _a, [out]) => g.emit(out!, 'Expand', [g.value(nn(x)), g.constInts(out!.shape)]),
  slice: (g, [x], a, [out]) => {
    const { dim, start, length, step } = a as { dim: number; start: number; length: number; step: number };
    g.emit(out!, 'Slice', [g.value(nn(x)), g.constInts([start]), g.constInts([start + length * step]), g.constInts([dim]), g.constInts([step])]);
  },
  flip: (g, [x], a, [out]) => {
    const { dims } = a as { dims: number[] };
    const big = Number.MIN_SAFE_INTEGER;
    g.emit(out!, 'Slice', [g.value(nn(x)), g.constInts(dims.map(() => -1)), g.constInts(dims.map(() => big)), g.constInts(dims), g.constInts(dims.map(() => -1))]);
  },
  cat: (g, parts, a, [out]) => g.emit(out!, 'Concat', parts.map((p) => g.value(nn(p))), [attrInt('axis', (a as { axis: number }).axis)]),
  pad: (g, [x], a, [out]) => {
    const { widths, value } = a as { widths: [number, number][]; value: number };
    const xt = nn(x);
    g.emit(out!, 'Pad', [g.value(xt), g.constInts([...widths.map((w) => w[0]), ...widths.map((w) => w[1])]), g.constFloat(value, xt.dtype)]);
  },
  sum: (g, [x], a, [out]) => {
    const { axes, keepdim } = a as { axes: number[]; keepdim: boolean };
    g.emit(out!, 'ReduceSum', [g.value(nn(x)), g.constInts(axes)], [attrInt('keepdims', keepdim ? 1 : 0)]);
  },
  amax: (g, [x], a, [out]) => {
    const { axes, keepdim } = a as { axes: number[]; keepdim: boolean };
    g.emit(out!, 'ReduceMax', [g.value(nn(x))], [attrInts('axes', axes), attrInt('keepdims', keepdim ? 1 : 0)]);
  },
  amin: (g, [x], a, [out]) => {
    const { axes, keepdim } = a as { axes: number[]; keepdim: boolean };
    g.emit(out!, 'ReduceMin', [g.value(nn(x))], [attrInts('axes', axes), attrInt('keepdims', keepdim ? 1 : 0)]);
  },
  gather: (g, [x, i], a, [out]) => g.emit(out!, 'GatherElements', [g.value(nn(x)), g.value(nn(i, 'index'))], [attrInt('axis', (a as { axis: number }).axis)]),
  indexSelect: (g, [x, i], a, [out]) => g.emit(out!, 'GatherElements', [g.value(nn(x)), g.value(nn(i, 'index'))], [attrInt('axis', (a as { axis: number }).axis)]),
  recurrent: recurrentNode,
  unbind: (g, _inputs, a, [out]) => {
    // Without gradients unbind's pieces are select views and its anchor token is unused: only a
    // piece (recorded when gradients are on) becomes a node.
    const { source, axis, index } = a as { source: Tensor; axis: number; index?: number };
    if (index === undefined) return;
    g.emit(out!, 'Gather', [g.value(source), g.constScalarInt(index)], [attrInt('axis', axis)]);
  },
};

function checkNames(what: string, names: readonly string[] | undefined, count: number, fallback: string): string[] {
  if (names === undefined) return Array.from({ length: count }, (_, i) => `${fallback}${i}`);
  if (!Array.isArray(names) || names.length !== count || names.some((n) => typeof n !== 'string' || n === '')) {
    throw new Error(`onnx.exportModel: ${what} must be ${count} non-empty strings (one per ${fallback}), got ${JSON.stringify(names)}`);
  }
  if (new Set(names).size !== names.length) throw new Error(`onnx.exportModel: ${what} has duplicates: ${JSON.stringify(names)}`);
  return [...names];
}

/** Every Tensor in a forward's result (a tensor, or arrays/tuples of them), in order. */
function flattenOutputs(result: unknown): Tensor[] {
  if (result instanceof Tensor) return [result];
  if (Array.isArray(result)) return result.flatMap((r: unknown) => (r === null ? [] : flattenOutputs(r)));
  throw new Error(`onnx.exportModel: the model's forward must return a Tensor or an array of Tensors, got ${result === null ? 'null' : typeof result}`);
}

function valueInfo(name: string, t: Tensor, axes: Readonly<Record<number, string>> | undefined): object {
  const dim = t.shape.map((d, i) => (axes?.[i] !== undefined ? { dim_param: axes[i] } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: onnxDtype(t.dtype, `graph value '${name}'`), shape: { dim } } } };
}

const EXPORT_KEYS = new Set(['opset', 'inputNames', 'outputNames', 'dynamicAxes']);

/**
 * Traces model.forward(...sampleInputs) in eval mode and returns the ONNX model's bytes (an
 * ONNX ModelProto). Browser-safe; onnx.exportModelToFile (nabla/node) writes a path.
 */
export function exportModel(model: Module, sampleInputs: Tensor | readonly Tensor[], options: ExportOptions = {}): Uint8Array {
  if (!(model instanceof Module)) throw new Error(`onnx.exportModel: model must be an nn.Module, got ${model === null ? 'null' : typeof model}`);
  const inputs = sampleInputs instanceof Tensor ? [sampleInputs] : sampleInputs;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => !(t instanceof Tensor))) {
    throw new Error('onnx.exportModel: sampleInputs must be a Tensor or a non-empty array of Tensors');
  }
  if (typeof options !== 'object' || options === null) throw new Error('onnx.exportModel: options must be an object');
  checkOptionKeys('onnx.exportModel', options, [...EXPORT_KEYS]);
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 17) throw new Error(`onnx.exportModel: opset must be an integer from 13 to 17, got ${String(opset)}`);
  const inputNames = checkNames('inputNames', options.inputNames, inputs.length, 'input');
  const dynamicAxes = options.dynamicAxes ?? {};

  const stateNames = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) if (!stateNames.has(p)) stateNames.set(p, name);
  for (const [name, b] of model.namedBuffers()) if (!stateNames.has(b)) stateNames.set(b, name);
  const prefixes = new Map<Module, string>();
  for (const [name, m] of model.namedModules()) if (!prefixes.has(m)) prefixes.set(m, name === '' ? 'model' : name);

  const g = new GraphBuilder(stateNames, prefixes, opset);
  inputNames.forEach((name, i) => {
    g.fresh(name);
    g.bind(inputs[i]!, name);
  });
  const wasTraining = model.training;
  model.eval();
  let outputs: Tensor[];
  try {
    outputs = noGrad(() => withTracer(g, () => flattenOutputs((model.forward as (...xs: Tensor[]) => unknown)(...inputs))));
  } finally {
    model.train(wasTraining);
  }
  const outputNames = checkNames('outputNames', options.outputNames, outputs.length, 'output');
  for (const name of Object.keys(dynamicAxes)) {
    if (!inputNames.includes(name) && !outputNames.includes(name)) {
      throw new Error(`onnx.exportModel: dynamicAxes names '${name}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')})`);
    }
  }
  outputs.forEach((t, i) => {
    // An output that is an input or a constant, or that two outputs share, goes through Identity.
    g.bind(t, g.node('Identity', [g.value(t)])[0]!);
    const last = g.nodes[g.nodes.length - 1]!;
    last.output = [outputNames[i]!];
    g.bind(t, outputNames[i]!);
  });
  const graph = {
    name: model.constructor.name,
    node: g.nodes,
    initializer: g.initializers,
    input: inputs.map((t, i) => valueInfo(inputNames[i]!, t, dynamicAxes[inputNames[i]!])),
    output: outputs.map((t, i) => valueInfo(outputNames[i]!, t, dynamicAxes[outputNames[i]!])),
  };
  const ModelProto = onnxType('ModelProto');
  const message = ModelProto.fromObject({
    ir_version: 8,
    producer_name: 'nabla',
    opset_import: [{ domain: '', version: opset }],
    graph,
  });
  // A standalone Uint8Array: in Node protobufjs returns a Buffer, possibly a view into a shared pool.
  return new Uint8Array(ModelProto.encode(message).finish());
}
