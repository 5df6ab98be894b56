/** Elementwise ops: unary math and activations, binary arithmetic and comparisons, where, cast. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { BinaryOp, UnaryOp, UnaryParamsOf } from '../backend/types.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { isFloat, toFloat, type DType } from '../tensor/dtype.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { asTensor, broadcastView, checkTensor, fromKernel, resultTypeOf, scalarTensor } from './util.js';
import { atKinks, entry, f, sample, type OpEntry } from './table.js';
import { bool, either, noExtraArgs, nullable, num, oneOf, parseArgs, scalarOrTensor, tensor, type Args } from './args.js';

// ---- unary ---------------------------------------------------------------------------------

interface UnaryAttrs<Op extends UnaryOp> {
  params: UnaryParamsOf<Op>;
}

type UnaryBackward<Op extends UnaryOp> = (g: Tensor, x: Tensor, out: Tensor, params: UnaryParamsOf<Op>) => Tensor | null;

/** 'float': integer inputs give float32 (exp, sin); 'same': keeps the dtype (neg, abs); 'bool': predicates. */
type UnaryDType = 'float' | 'same' | 'bool';

/**
 * Which tensors a backward formula reads. Only those are saved, so an in-place change to a tensor
 * the formula does not need (y = x.mul(2); y.add_(1)) does not trip the version check.
 */
type UnarySaves = 'none' | 'input' | 'output' | 'both';

function unaryOp<Op extends UnaryOp>(op: Op, dtypeRule: UnaryDType, backward: UnaryBackward<Op> | null, saves: UnarySaves = 'input'): OpDef<UnaryAttrs<Op>> {
  const keepInput = saves === 'input' || saves === 'both';
  const keepOutput = saves === 'output' || saves === 'both';
  return {
    name: op,
    privateGradients: true,
    forward([x], { params }, save) {
      const outDtype = dtypeRule === 'bool' ? 'bool' : dtypeRule === 'float' ? toFloat(x!.dtype) : x!.dtype;
      const out = fromKernel(kernels().unary(op, x!, outDtype, params), x!.shape, outDtype);
      if (keepInput) save(x!);
      if (keepOutput) save(out);
      return out;
    },
    ...(backward === null
      ? {}
      : {
          backward(g, ctx) {
            const saved = ctx.saved;
            // A formula is only handed what its `saves` declares; the rest it does not read.
            const x = keepInput ? saved[0]! : g;
            const out = keepOutput ? saved[saved.length - 1]! : g;
            return [backward(g, x, out, ctx.attrs.params)];
          },
        }),
  };
}

const zeroGrad = (g: Tensor): Tensor => zerosLikeRaw(g);

const UNARY = {
  neg: unaryOp('neg', 'same', (g) => neg(g), 'none'),
  abs: unaryOp('abs', 'same', (g, x) => mul(g, sign(x))),
  sign: unaryOp('sign', 'same', zeroGrad, 'none'),
  exp: unaryOp('exp', 'float', (g, _x, out) => mul(g, out), 'output'),
  log: unaryOp('log', 'float', (g, x) => div(g, x)),
  log1p: unaryOp('log1p', 'float', (g, x) => div(g, add(x, 1))),
  expm1: unaryOp('expm1', 'float', (g, _x, out) => mul(g, add(out, 1)), 'output'),
  sqrt: unaryOp('sqrt', 'float', (g, _x, out) => div(g, mul(out, 2)), 'output'),
  rsqrt: unaryOp('rsqrt', 'float', (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)), 'output'),
  square: unaryOp('square', 'same', (g, x) => mul(g, mul(x, 2))),
  reciprocal: unaryOp('reciprocal', 'float', (g, _x, out) => mul(neg(g), square(out)), 'output'),
  sin: unaryOp('sin', 'float', (g, x) => mul(g, cos(x))),
  cos: unaryOp('cos', 'float', (g, x) => mul(g, neg(sin(x)))),
  tanh: unaryOp('tanh', 'float', (g, _x, out) => mul(g, sub(1, square(out))), 'output'),
  sigmoid: unaryOp('sigmoid', 'float', (g, _x, out) => mul(g, mul(out, sub(1, out))), 'output'),
  relu: unaryOp('relu', 'same', (g, _x, out) => reluBackward(g, out), 'output'),
  erf: unaryOp('erf', 'float', (g, x) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))),
  floor: unaryOp('floor', 'same', zeroGrad, 'none'),
  ceil: unaryOp('ceil', 'same', zeroGrad, 'none'),
  round: unaryOp('round', 'same', zeroGrad, 'none'),
  trunc: unaryOp('trunc', 'same', zeroGrad, 'none'),
  isNan: unaryOp('isNan', 'bool', null),
  isFinite: unaryOp('isFinite', 'bool', null),
  logicalNot: unaryOp('logicalNot', 'bool', null),
  leakyRelu: unaryOp('leakyRelu', 'float', (g, x, _out, { negativeSlope }) => where(gt(x, 0), g, mul(g, negativeSlope))),
  elu: unaryOp(
    'elu',
    'float',
    (g, x, out, { alpha, scale }) => mul(g, where(gt(x, 0), scale, add(out, alpha * scale))),
    'both',
  ),
  softplus: unaryOp('softplus', 'float', (g, x, _out, { beta, threshold }) => {
    const bx = mul(x, beta);
    return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
  }),
  gelu: unaryOp('gelu', 'float', (g, x, _out, { approximate }) => {
    if (approximate === 'tanh') {
      const k = Math.sqrt(2 / Math.PI);
      const x2 = square(x);
      const t = tanh(mul(mul(x, add(mul(x2, 0.044715), 1)), k));
      const left = mul(add(t, 1), 0.5);
      const right = mul(mul(mul(x, 0.5), sub(1, square(t))), mul(add(mul(x2, 3 * 0.044715), 1), k));
      return mul(g, add(left, right));
    }
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return mul(g, add(cdf, mul(x, pdf)));
  }),
  clamp: unaryOp('clamp', 'same', (g, x, _out, { min, max }) => {
    let inside = isNan(x).logicalNot();
    if (min !== null) inside = logicalAnd(inside, ge(x, min));
    if (max !== null) inside = logicalAnd(inside, le(x, max));
    return mul(g, inside);
  }),
} satisfies { [Op in UnaryOp]: OpDef<UnaryAttrs<Op>> };

// As torch, these have no meaning for bool (negating true is not false): logicalNot is meant.
const NO_BOOL_UNARY: readonly UnaryOp[] = ['neg', 'abs', 'relu'];

function unary<Op extends UnaryOp>(op: Op, x: Tensor, extra: readonly unknown[], params?: UnaryParamsOf<Op>, name: string = op): Tensor {
  checkTensor(name, x);
  noExtraArgs(name, extra);
  if (x.dtype === 'bool' && NO_BOOL_UNARY.includes(op)) {
    throw new Error(`${op}: not supported for bool tensors (shape ${shapeStr(x.shape)}); use logicalNot(), or convert with .int() first`);
  }
  return apply(UNARY[op] as OpDef<UnaryAttrs<Op>>, [x], { params: params as UnaryParamsOf<Op> });
}

export const neg = (x: Tensor, ...extra: []): Tensor => unary('neg', x, extra);
export const abs = (x: Tensor, ...extra: []): Tensor => unary('abs', x, extra);
export const sign = (x: Tensor, ...extra: []): Tensor => unary('sign', x, extra);
export const exp = (x: Tensor, ...extra: []): Tensor => unary('exp', x, extra);
export const log = (x: Tensor, ...extra: []): Tensor => unary('log', x, extra);
export const log1p = (x: Tensor, ...extra: []): Tensor => unary('log1p', x, extra);
export const expm1 = (x: Tensor, ...extra: []): Tensor => unary('expm1', x, extra);
export const sqrt = (x: Tensor, ...extra: []): Tensor => unary('sqrt', x, extra);
export const rsqrt = (x: Tensor, ...extra: []): Tensor => unary('rsqrt', x, extra);
export const square = (x: Tensor, ...extra: []): Tensor => unary('square', x, extra);
export const reciprocal = (x: Tensor, ...extra: []): Tensor => unary('reciprocal', x, extra);
export const sin = (x: Tensor, ...extra: []): Tensor => unary('sin', x, extra);
export const cos = (x: Tensor, ...extra: []): Tensor => unary('cos', x, extra);
export const tanh = (x: Tensor, ...extra: []): Tensor => unary('tanh', x, extra);
export const sigmoid = (x: Tensor, ...extra: []): Tensor => unary('sigmoid', x, extra);
export const relu = (x: Tensor, ...extra: []): Tensor => unary('relu', x, extra);
export const erf = (x: Tensor, ...extra: []): Tensor => unary('erf', x, extra);
export const floor = (x: Tensor, ...extra: []): Tensor => unary('floor', x, extra);
export const ceil = (x: Tensor, ...extra: []): Tensor => unary('ceil', x, extra);
/** Rounds half to even, as torch.round. */
export const round = (x: Tensor, ...extra: []): Tensor => unary('round', x, extra);
export const trunc = (x: Tensor, ...extra: []): Tensor => unary('trunc', x, extra);
export const isNan = (x: Tensor, ...extra: []): Tensor => unary('isNan', x, extra);
export const isFinite = (x: Tensor, ...extra: []): Tensor => unary('isFinite', x, extra);
export const logicalNot = (x: Tensor, ...extra: []): Tensor => unary('logicalNot', x, extra);

export interface LeakyReluOptions {
  negativeSlope?: number;
}

/** x where x > 0, negativeSlope * x elsewhere (torch.nn.functional.leaky_relu). */
export function leakyRelu(x: Tensor, ...args: Args<[negativeSlope: number], LeakyReluOptions>): Tensor {
  const { negativeSlope = 0.01 } = parseArgs('F.leakyRelu', args, { negativeSlope: num });
  return unary('leakyRelu', x, [], { negativeSlope }, 'F.leakyRelu');
}

export interface EluOptions {
  alpha?: number;
}

export function elu(x: Tensor, ...args: Args<[alpha: number], EluOptions>): Tensor {
  const { alpha = 1 } = parseArgs('F.elu', args, { alpha: num });
  return unary('elu', x, [], { alpha, scale: 1 }, 'F.elu');
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

export function selu(x: Tensor, ...extra: []): Tensor {
  return unary('elu', x, extra, { alpha: SELU_ALPHA, scale: SELU_SCALE }, 'selu');
}

export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

/** log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch). */
export function softplus(x: Tensor, ...args: Args<[beta: number, threshold: number], SoftplusOptions>): Tensor {
  const { beta = 1, threshold = 20 } = parseArgs('F.softplus', args, { beta: num, threshold: num });
  return unary('softplus', x, [], { beta, threshold }, 'F.softplus');
}

export type GeluApproximate = 'none' | 'tanh';

export interface GeluOptions {
  approximate?: GeluApproximate;
}

/** x * Phi(x) (exact, torch's default) or its tanh approximation. */
export function gelu(x: Tensor, ...args: Args<[approximate: GeluApproximate], GeluOptions>): Tensor {
  const { approximate = 'none' } = parseArgs('F.gelu', args, { approximate: oneOf('none', 'tanh') });
  return unary('gelu', x, [], { approximate }, 'F.gelu');
}

export type ClampBound = number | Tensor | null;

export interface ClampOptions {
  min?: ClampBound;
  max?: ClampBound;
}

const clampBound = nullable(either(num, tensor));

/**
 * Limits x to [min, max] (torch.clamp): numbers, or tensors broadcast against x (the result then
 * has their promoted dtype and shape). Where min > max every element is max, as in torch.
 */
export function clamp(x: Tensor, ...args: Args<[min: ClampBound, max: ClampBound], ClampOptions>): Tensor {
  checkTensor('clamp', x);
  const { min = null, max = null } = parseArgs('clamp', args, { min: clampBound, max: clampBound });
  if (min === null && max === null) throw new Error('clamp: at least one of min and max must be given');
  if (min instanceof Tensor || max instanceof Tensor) return clampTensor(x, min, max);
  return unary('clamp', x, [], { min, max });
}

interface ClampTensorAttrs {
  hasMin: boolean;
  hasMax: boolean;
}

/** clamp with tensor bounds: inputs [x, min?, max?], torch's clamp_backward_min_max for gradients. */
const CLAMP_TENSOR: OpDef<ClampTensorAttrs> = {
  name: 'clamp',
  forward(inputs, { hasMin, hasMax }, save) {
    const [x, lo, hi] = clampInputs(inputs, hasMin, hasMax);
    let out = x;
    if (lo !== null) out = maximum(out, lo);
    if (hi !== null) out = minimum(out, hi);
    save(...inputs);
    return out === x ? x.clone() : out;
  },
  backward(g, ctx) {
    const [x, lo, hi] = clampInputs(ctx.saved, ctx.attrs.hasMin, ctx.attrs.hasMax);
    const pass = (mask: Tensor): Tensor => where(mask, g, 0);
    const grads: Tensor[] = [];
    if (lo !== null && hi !== null) {
      grads.push(pass(logicalAnd(ge(x, lo), le(x, hi))), pass(logicalAnd(lt(x, lo), lt(lo, hi))), pass(logicalOr(gt(x, hi), lt(hi, lo))));
    } else if (lo !== null) {
      grads.push(pass(ge(x, lo)), pass(lt(x, lo)));
    } else if (hi !== null) {
      grads.push(pass(le(x, hi)), pass(gt(x, hi)));
    }
    return grads;
  },
};

function clampInputs(inputs: readonly Tensor[], hasMin: boolean, hasMax: boolean): [Tensor, Tensor | null, Tensor | null] {
  return [inputs[0]!, hasMin ? inputs[1]! : null, hasMax ? inputs[hasMin ? 2 : 1]! : null];
}

function clampTensor(x: Tensor, min: ClampBound, max: ClampBound): Tensor {
  const bounds = [min, max].filter((b): b is number | Tensor => b !== null);
  const dtype = resultTypeOf(x, ...bounds);
  if (dtype === 'bool') throw new Error('clamp: not supported for bool tensors; convert with .int() first');
  const inputs = [x, ...bounds].map((t) => (t instanceof Tensor ? (t.dtype === dtype ? t : cast(t, dtype)) : scalarTensor(t, dtype)));
  return apply(CLAMP_TENSOR, inputs, { hasMin: min !== null, hasMax: max !== null });
}

// ---- binary --------------------------------------------------------------------------------

interface BinaryAttrs {
  /** The dtype both operands are computed in (torch.result_type). */
  dtype: DType;
}

type BinaryBackward = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** 'same': the promoted dtype; 'float': promoted then float (div); 'bool': comparisons and logic. */
/** Which tensors a backward formula reads (see UnarySaves). */
type BinarySaves = 'none' | 'inputs' | 'all';

function binaryOp(op: BinaryOp, dtypeRule: UnaryDType, backward: BinaryBackward | null, saves: BinarySaves = 'inputs'): OpDef<BinaryAttrs> {
  return {
    name: op,
    privateGradients: true,
    forward([a, b], { dtype }, save) {
      const shape = broadcastShapes(op, a!.shape, b!.shape);
      const outDtype = dtypeRule === 'bool' ? 'bool' : dtypeRule === 'float' ? toFloat(dtype) : dtype;
      const data = kernels().binary(op, broadcastView(a!, shape), broadcastView(b!, shape), outDtype);
      const out = fromKernel(data, shape, outDtype);
      if (saves !== 'none') save(a!, b!);
      if (saves === 'all') save(out);
      return out;
    },
    ...(backward === null
      ? {}
      : {
          backward(g, ctx) {
            // A formula is only handed what its `saves` declares; the rest it does not read.
            const [a, b, out] = ctx.saved;
            return backward(g, a ?? g, b ?? g, out ?? g);
          },
        }),
  };
}

const BINARY = {
  add: binaryOp('add', 'same', (g) => [g, g], 'none'),
  sub: binaryOp('sub', 'same', (g) => [g, neg(g)], 'none'),
  mul: binaryOp('mul', 'same', (g, a, b) => [mul(g, b), mul(g, a)]),
  div: binaryOp('div', 'float', (g, a, b) => [div(g, b), neg(div(mul(g, a), square(b)))]),
  pow: binaryOp('pow', 'same', (g, a, b, out) => [
    mul(g, mul(b, pow(a, sub(b, 1)))),
    mul(g, where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(out, log(a)))),
  ], 'all'),
  maximum: binaryOp('maximum', 'same', (g, a, b) => {
    const shared = where(eq(a, b), div(g, 2), g);
    return [maskedFillRaw(shared, lt(a, b)), maskedFillRaw(shared, gt(a, b))];
  }),
  minimum: binaryOp('minimum', 'same', (g, a, b) => {
    const shared = where(eq(a, b), div(g, 2), g);
    return [maskedFillRaw(shared, gt(a, b)), maskedFillRaw(shared, lt(a, b))];
  }),
  remainder: binaryOp('remainder', 'same', (g, a, b) => [g, mul(neg(g), floorDivide(a, b))]),
  floorDivide: binaryOp('floorDivide', 'same', null),
  eq: binaryOp('eq', 'bool', null),
  ne: binaryOp('ne', 'bool', null),
  lt: binaryOp('lt', 'bool', null),
  le: binaryOp('le', 'bool', null),
  gt: binaryOp('gt', 'bool', null),
  ge: binaryOp('ge', 'bool', null),
  logicalAnd: binaryOp('logicalAnd', 'bool', null),
  logicalOr: binaryOp('logicalOr', 'bool', null),
  logicalXor: binaryOp('logicalXor', 'bool', null),
  // Linear in the gradient with a constant mask, so its own gradient is itself (none for the output).
  reluBackward: binaryOp('reluBackward', 'same', (g, _a, b) => [reluBackward(g, b), null]),
} satisfies Record<BinaryOp, OpDef<BinaryAttrs>>;

/** relu's gradient g * (out > 0) as one op (one pass instead of a comparison and a product). */
function reluBackward(g: Tensor, out: Tensor): Tensor {
  return apply(BINARY.reluBackward, [g, out], { dtype: g.dtype });
}

function checkOperand(op: string, x: TensorLike): void {
  if (!scalarOrTensor(x)) {
    throw new Error(`${op}: operands must be Tensors, numbers or booleans, got ${x === null ? 'null' : typeof x}`);
  }
}

function isBoolOperand(x: TensorLike): boolean {
  return typeof x === 'boolean' || (x instanceof Tensor && x.dtype === 'bool');
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike, extra: readonly unknown[] = []): Tensor {
  noExtraArgs(op, extra);
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new Error(`${op}: expected at least one Tensor operand, got ${typeof a} and ${typeof b}`);
  }
  checkOperand(op, a);
  checkOperand(op, b);
  if (op === 'sub' && (isBoolOperand(a) || isBoolOperand(b))) {
    throw new Error('sub: subtraction with a bool operand is not supported (as in torch); use logicalXor() for bools, or convert with .int() first');
  }
  const dtype = resultTypeOf(a, b);
  return apply(BINARY[op], [asTensor(a, dtype), asTensor(b, dtype)], { dtype });
}

export interface AlphaOptions {
  /** The multiplier of the second operand: a + alpha * b (torch's alpha). */
  alpha?: number | boolean;
}

/** a + alpha * b with broadcasting and type promotion (torch.add). */
export function add(a: TensorLike, b: TensorLike, ...args: Args<[alpha: number | boolean], AlphaOptions>): Tensor {
  return withAlpha('add', a, b, args);
}

/** a - alpha * b (torch.sub). */
export function sub(a: TensorLike, b: TensorLike, ...args: Args<[alpha: number | boolean], AlphaOptions>): Tensor {
  return withAlpha('sub', a, b, args);
}

function withAlpha(op: 'add' | 'sub', a: TensorLike, b: TensorLike, args: readonly unknown[]): Tensor {
  const { alpha } = parseArgs(op, args, { alpha: either(num, bool) });
  if (alpha === undefined || alpha === 1 || alpha === true) return binary(op, a, b);
  checkOperand(op, a);
  checkOperand(op, b);
  // torch's rules: an integral result needs an integral alpha, and a bool alpha only scales bools.
  const dtype = resultTypeOf(a, b);
  if (!isFloat(dtype) && typeof alpha === 'number' && !Number.isInteger(alpha)) {
    throw new Error(`${op}: alpha must be an integer for ${dtype} operands (the result is ${dtype}), got ${alpha}`);
  }
  if (typeof alpha === 'boolean' && dtype !== 'bool') {
    throw new Error(`${op}: a boolean alpha only scales bool operands, got ${dtype}; pass a number`);
  }
  let scaled: TensorLike;
  if (b instanceof Tensor) scaled = mul(b.dtype === dtype ? b : cast(b, dtype), alpha);
  else scaled = typeof alpha === 'boolean' ? Boolean(b) && alpha : Number(b) * alpha;
  return binary(op, a, scaled);
}

export const mul = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('mul', a, b, extra);

export type RoundingMode = 'trunc' | 'floor';

export interface DivOptions {
  /** null (true division, the default), 'trunc' (toward zero) or 'floor' (toward -inf, as floorDivide). */
  roundingMode?: RoundingMode | null;
}

/**
 * a / b (torch.div): true division by default, where integer operands give a float result; with a
 * rounding mode the result keeps the operands' promoted dtype and its gradient is zero.
 */
export function div(a: TensorLike, b: TensorLike, ...args: Args<[roundingMode: RoundingMode | null], DivOptions>): Tensor {
  const { roundingMode = null } = parseArgs('div', args, { roundingMode: nullable(oneOf('trunc', 'floor')) });
  if (roundingMode === null) return binary('div', a, b);
  checkOperand('div', a);
  checkOperand('div', b);
  const dtype = resultTypeOf(a, b);
  if (dtype === 'bool') throw new Error(`div: rounding mode '${roundingMode}' is not supported for bool operands (as in torch); convert with .int() first`);
  if (roundingMode === 'floor') return binary('floorDivide', a, b);
  if (isFloat(dtype)) return trunc(binary('div', a, b));
  // Integers: exact in float64 (|a|, |b| < 2^31), truncated toward zero as C and torch do.
  if (b instanceof Tensor ? eq(b, 0).toTypedArray().includes(1) : b === 0) throw new Error('div: integer division by zero');
  return cast(trunc(binary('div', asTensor(a, 'float64'), asTensor(b, 'float64'))), dtype);
}

export const pow = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('pow', a, b, extra);
export const maximum = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('maximum', a, b, extra);
export const minimum = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('minimum', a, b, extra);
/** Python-style modulus: the result has the divisor's sign (torch.remainder). */
export const remainder = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('remainder', a, b, extra);
export const floorDivide = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('floorDivide', a, b, extra);
export const eq = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('eq', a, b, extra);
export const ne = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('ne', a, b, extra);
export const lt = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('lt', a, b, extra);
export const le = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('le', a, b, extra);
export const gt = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('gt', a, b, extra);
export const ge = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('ge', a, b, extra);
export const logicalAnd = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('logicalAnd', a, b, extra);
export const logicalOr = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('logicalOr', a, b, extra);
export const logicalXor = (a: TensorLike, b: TensorLike, ...extra: []): Tensor => binary('logicalXor', a, b, extra);

// ---- where and cast ------------------------------------------------------------------------

const WHERE: OpDef<BinaryAttrs> = {
  name: 'where',
  forward([cond, a, b], { dtype }, save) {
    const shape = broadcastShapes('where', cond!.shape, a!.shape, b!.shape);
    const data = kernels().where(
      broadcastView(cond!, shape),
      broadcastView(a!, shape),
      broadcastView(b!, shape),
      dtype,
    );
    save(cond!);
    return fromKernel(data, shape, dtype);
  },
  backward(g, ctx) {
    const [cond] = ctx.saved;
    return [null, ctx.needsGrad[1] ? where(cond!, g, 0) : null, ctx.needsGrad[2] ? where(cond!, 0, g) : null];
  },
};

/** Elementwise cond ? a : b with broadcasting; cond must be bool. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike, ...extra: []): Tensor {
  checkTensor('where', condition, 'condition');
  noExtraArgs('where', extra);
  checkOperand('where', a);
  checkOperand('where', b);
  if (condition.dtype !== 'bool') {
    throw new Error(`where: condition must be a bool tensor, got dtype ${condition.dtype} (compare first, e.g. x.gt(0))`);
  }
  const dtype = resultTypeOf(a, b);
  return apply(WHERE, [condition, asTensor(a, dtype), asTensor(b, dtype)], { dtype });
}

const CAST: OpDef<{ dtype: DType }> = {
  name: 'cast',
  forward([x], { dtype }) {
    return fromKernel(kernels().copy(x!, dtype), x!.shape, dtype);
  },
  backward(g) {
    return [g];
  },
};

/** A copy converted to dtype (float to int truncates toward zero; nonzero to bool is true). */
export function cast(x: Tensor, dtype: DType, ...extra: []): Tensor {
  checkTensor('cast', x);
  noExtraArgs('cast', extra);
  return apply(CAST, [x], { dtype });
}

// ---- helpers used by backward formulas -------------------------------------------------------

export function zerosLikeRaw(x: Tensor, dtype: DType = x.dtype): Tensor {
  return scalarTensor(0, dtype).expand(x.shape).contiguous();
}

export function onesLikeRaw(x: Tensor): Tensor {
  return scalarTensor(1, x.dtype).expand(x.shape).contiguous();
}

/** x with zeros where mask is true (differentiable in x). */
function maskedFillRaw(x: Tensor, mask: Tensor): Tensor {
  return where(mask, 0, x);
}

// ---- op table ------------------------------------------------------------------------------

const unaryTorch: Record<string, string> = {
  neg: 'torch.neg(x0)', abs: 'torch.abs(x0)', sign: 'torch.sign(x0)', exp: 'torch.exp(x0)',
  log: 'torch.log(x0)', log1p: 'torch.log1p(x0)', expm1: 'torch.expm1(x0)', sqrt: 'torch.sqrt(x0)',
  rsqrt: 'torch.rsqrt(x0)', square: 'torch.square(x0)', reciprocal: 'torch.reciprocal(x0)',
  sin: 'torch.sin(x0)', cos: 'torch.cos(x0)', tanh: 'torch.tanh(x0)', sigmoid: 'torch.sigmoid(x0)',
  relu: 'torch.relu(x0)', erf: 'torch.erf(x0)', selu: 'torch.nn.functional.selu(x0)',
};

const positive: Record<string, [number, number]> = {
  log: [0.2, 3], sqrt: [0.2, 3], rsqrt: [0.2, 3], reciprocal: [0.3, 3], log1p: [-0.5, 3],
};

const unaryFns: Record<string, (x: Tensor) => Tensor> = {
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, relu, erf, selu,
};

const binaryFns = { add, sub, mul, div, maximum, minimum };

export const table: OpEntry<object>[] = [
  ...Object.entries(unaryFns).map(([name, fn]) =>
    entry({
      name,
      run: ([x]) => fn(x!),
      torch: unaryTorch[name]!,
      samples: [sample([f([5], positive[name])]), sample([f([3, 4], positive[name], 'transposed')])],
    }),
  ),
  ...Object.entries(binaryFns).map(([name, fn]) =>
    entry({
      name,
      run: ([a, b]) => fn(a!, b!),
      torch: `torch.${name}(x0, x1)`,
      samples: [
        sample([f([2, 3]), f([2, 3], name === 'div' ? [0.5, 2] : undefined)]),
        sample([f([4, 1, 3], undefined, 'strided'), f([2, 1], name === 'div' ? [0.5, 2] : undefined)]),
        sample([f([3]), f([], name === 'div' ? [0.5, 2] : undefined)]),
      ],
    }),
  ),
  entry({
    name: 'mulScalar',
    run: ([x], a: { s: number }) => mul(x!, a.s),
    torch: 'x0 * a["s"]',
    samples: [sample([f([2, 3])], { s: 2.5 })],
  }),
  entry({
    name: 'rsubScalar',
    run: ([x], a: { s: number }) => sub(a.s, x!),
    torch: 'a["s"] - x0',
    samples: [sample([f([4])], { s: 1.5 })],
  }),
  entry({
    name: 'pow',
    run: ([a, b]) => pow(a!, b!),
    torch: 'torch.pow(x0, x1)',
    samples: [sample([f([2, 3], [0.5, 2]), f([3], [-1.5, 2])])],
  }),
  entry({
    name: 'powScalar',
    run: ([a], at: { e: number }) => pow(a!, at.e),
    torch: 'torch.pow(x0, a["e"])',
    samples: [sample([f([5])], { e: 3 }), sample([f([4], [0.5, 2])], { e: -1.5 })],
  }),
  entry({
    name: 'remainder',
    run: ([a, b]) => remainder(a!, b!),
    torch: 'torch.remainder(x0, x1)',
    samples: [sample([f([6], [-5, 5]), f([6], [0.7, 2])])],
  }),
  entry({
    name: 'leakyRelu',
    run: ([x], a: { slope: number }) => leakyRelu(x!, a.slope),
    torch: 'torch.nn.functional.leaky_relu(x0, a["slope"])',
    samples: [sample([f([3, 4])], { slope: 0.01 }), sample([f([5])], { slope: 0.2 })],
  }),
  entry({
    name: 'elu',
    run: ([x], a: { alpha: number }) => elu(x!, a.alpha),
    torch: 'torch.nn.functional.elu(x0, a["alpha"])',
    samples: [sample([f([3, 4])], { alpha: 1 }), sample([f([5])], { alpha: 0.5 })],
  }),
  entry({
    name: 'softplus',
    run: ([x], a: { beta: number; threshold: number }) => softplus(x!, a.beta, a.threshold),
    torch: 'torch.nn.functional.softplus(x0, a["beta"], a["threshold"])',
    samples: [sample([f([3, 4])], { beta: 1, threshold: 20 }), sample([f([6], [-3, 3])], { beta: 2, threshold: 1 })],
  }),
  entry({
    name: 'gelu',
    run: ([x], a: { approximate: string }) => gelu(x!, a.approximate as 'none' | 'tanh'),
    torch: 'torch.nn.functional.gelu(x0, approximate=a["approximate"])',
    samples: [sample([f([3, 4], [-3, 3])], { approximate: 'none' }), sample([f([6], [-3, 3])], { approximate: 'tanh' as const })],
  }),
  entry({
    name: 'clamp',
    run: ([x], a: { min: number | null; max: number | null }) => clamp(x!, a.min, a.max),
    torch: 'torch.clamp(x0, a["min"], a["max"])',
    samples: [
      sample([f([3, 4])], { min: -0.5, max: 0.7 }),
      sample([f([6])], { min: 0.1, max: null }),
      sample([f([6])], { min: null, max: 0.3 }),
    ],
  }),
  entry({
    name: 'activationOptions',
    run: ([x], a: { slope: number; alpha: number; beta: number; threshold: number; approximate: GeluApproximate }) => [
      leakyRelu(x!, { negativeSlope: a.slope }),
      elu(x!, { alpha: a.alpha }),
      softplus(x!, a.beta, { threshold: a.threshold }),
      gelu(x!, { approximate: a.approximate }),
    ],
    torch: '(torch.nn.functional.leaky_relu(x0, negative_slope=a["slope"]), torch.nn.functional.elu(x0, alpha=a["alpha"]), ' +
      'torch.nn.functional.softplus(x0, a["beta"], threshold=a["threshold"]), torch.nn.functional.gelu(x0, approximate=a["approximate"]))',
    samples: [sample([f([3, 4], [-3, 3])], { slope: 0.2, alpha: 0.5, beta: 2, threshold: 1, approximate: 'tanh' as const })],
  }),
  entry({
    name: 'clampOptions',
    run: ([x], a: { min: number | null; max: number | null }) => clamp(x!, { min: a.min, max: a.max }),
    torch: 'torch.clamp(x0, min=a["min"], max=a["max"])',
    samples: [sample([f([3, 4])], { min: -0.5, max: 0.7 }), sample([f([5])], { min: null, max: 0.2 })],
  }),
  entry({
    name: 'clampTensor',
    run: ([x, lo, hi]) => [clamp(x!, lo!, hi!), clamp(x!, { min: lo! }), clamp(x!, { max: hi! })],
    torch: '(torch.clamp(x0, x1, x2), torch.clamp(x0, min=x1), torch.clamp(x0, max=x2))',
    samples: [
      sample([f([3, 4]), f([4], [-1.5, 0.5]), f([3, 1], [-0.5, 1.5])]),
      sample([f([2, 3], undefined, 'transposed'), f([], [-1, 0]), f([2, 3], [0, 1])]),
    ],
  }),
  entry({
    name: 'clampTensorInt',
    run: ([x, lo, hi]) => [clamp(x!, lo!, hi!), clamp(x!, { min: lo! }), clamp(x!, { max: 1 })],
    torch: '(torch.clamp(x0, x1, x2), torch.clamp(x0, min=x1), torch.clamp(x0, max=1))',
    differentiable: false,
    samples: [sample([{ shape: [2, 4], dtype: 'int32', range: [-5, 5] }, { shape: [4], dtype: 'int32', range: [-3, 0] }, { shape: [2, 1], dtype: 'int32', range: [0, 3] }])],
  }),
  ...(['add', 'sub'] as const).map((name) =>
    entry({
      name: `${name}Alpha`,
      run: ([a, b], at: { alpha: number }) => [(name === 'add' ? add : sub)(a!, b!, { alpha: at.alpha }), (name === 'add' ? add : sub)(a!, 1.5, at.alpha)],
      torch: `(torch.${name}(x0, x1, alpha=a["alpha"]), torch.${name}(x0, 1.5, alpha=a["alpha"]))`,
      samples: [sample([f([2, 3]), f([3])], { alpha: 2.5 }), sample([f([4], undefined, 'strided'), f([])], { alpha: -1 })],
    }),
  ),
  entry({
    name: 'alphaInt',
    run: ([a, b], at: { alpha: number }) => [add(a!, b!, { alpha: at.alpha }), sub(a!, b!, at.alpha), add(a!, 3, { alpha: at.alpha })],
    torch: '(torch.add(x0, x1, alpha=a["alpha"]), torch.sub(x0, x1, alpha=a["alpha"]), torch.add(x0, 3, alpha=a["alpha"]))',
    differentiable: false,
    samples: [sample([{ shape: [2, 3], dtype: 'int32', range: [-9, 9] }, { shape: [3], dtype: 'int32', range: [-9, 9] }], { alpha: 3 })],
  }),
  entry({
    name: 'divRounding',
    run: ([a, b], at: { mode: RoundingMode }) => [div(a!, b!, { roundingMode: at.mode }), div(a!, 0.75, at.mode)],
    torch: '(torch.div(x0, x1, rounding_mode=a["mode"]), torch.div(x0, 0.75, rounding_mode=a["mode"]))',
    samples: [
      sample([f([2, 3], [-5, 5]), f([3], [0.3, 2])], { mode: 'trunc' as const }),
      sample([f([2, 3], [-5, 5], 'transposed'), f([2, 1], [-2, -0.3])], { mode: 'floor' as const }),
      // Quotients that floor(a / b) gets wrong: 1 // 0.1 is 9 in torch (from fmod), and signed zeros.
      atKinks(sample([{ shape: [6], values: [1, -1, 7.5, -7.5, 0.3, -0.3] }, { shape: [6], values: [0.1, 0.1, -2, 2, 0.1, 0.1] }], { mode: 'floor' as const })),
    ],
  }),
  entry({
    name: 'divRoundingInt',
    run: ([a, b], at: { mode: RoundingMode }) => [div(a!, b!, { roundingMode: at.mode }), div(a!, -3, at.mode), div(a!, b!)],
    torch: '(torch.div(x0, x1, rounding_mode=a["mode"]), torch.div(x0, -3, rounding_mode=a["mode"]), torch.div(x0, x1))',
    differentiable: false,
    samples: [
      sample([{ shape: [6], values: [-7, 7, -8, 8, 0, 5] }, { shape: [6], values: [2, 2, -3, -3, 4, -5] }], { mode: 'trunc' as const }),
      sample([{ shape: [6], values: [-7, 7, -8, 8, 0, 5] }, { shape: [6], values: [2, 2, -3, -3, 4, -5] }], { mode: 'floor' as const }),
    ].map((s) => ({ ...s, inputs: s.inputs.map((i) => ({ ...i, dtype: 'int32' as const })) })),
  }),
  entry({
    name: 'where',
    run: ([c, a, b]) => where(c!, a!, b!),
    torch: 'torch.where(x0, x1, x2)',
    samples: [
      sample([{ shape: [2, 3], dtype: 'bool' }, f([2, 3]), f([3])]),
      sample([{ shape: [3, 1], dtype: 'bool' }, f([1, 4]), f([])]),
    ],
  }),
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((name) =>
    entry({
      name,
      run: ([a, b]) => binary(name, a!, b!),
      torch: `torch.${name}(x0, x1)`,
      differentiable: false,
      samples: [
        sample([
          { shape: [2, 3], values: [[1, 2, 3], [4, 5, 6]] },
          { shape: [3], values: [2, 2, 6] },
        ]),
      ],
    }),
  ),
  entry({
    name: 'isNan',
    run: ([x]) => [isNan(x!), isFinite(x!)],
    torch: '(torch.isnan(x0), torch.isfinite(x0))',
    differentiable: false,
    samples: [sample([{ shape: [4], values: [1, -2.5, 0, 3] }])],
  }),
  entry({
    name: 'rounding',
    run: ([x]) => [floor(x!), ceil(x!), round(x!), trunc(x!)],
    torch: '(torch.floor(x0), torch.ceil(x0), torch.round(x0), torch.trunc(x0))',
    differentiable: false,
    samples: [sample([{ shape: [6], values: [-2.5, -1.5, -0.4, 0.5, 1.5, 2.7] }])],
  }),
];
