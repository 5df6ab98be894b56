/** Elementwise ops: unary math and activations, binary arithmetic and comparisons, where, cast. */
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import type { BinaryOp, UnaryOp, UnaryParamsOf } from '../backend/types.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { toFloat, type DType } from '../tensor/dtype.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { asTensor, broadcastView, checkTensor, fromKernel, resultTypeOf, scalarTensor } from './util.js';
import { entry, f, sample, type OpEntry } from './table.js';

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

function unary<Op extends UnaryOp>(op: Op, x: Tensor, params?: UnaryParamsOf<Op>): Tensor {
  checkTensor(op, x);
  if (x.dtype === 'bool' && NO_BOOL_UNARY.includes(op)) {
    throw new Error(`${op}: not supported for bool tensors (shape ${shapeStr(x.shape)}); use logicalNot(), or convert with .int() first`);
  }
  return apply(UNARY[op] as OpDef<UnaryAttrs<Op>>, [x], { params: params as UnaryParamsOf<Op> });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const sign = (x: Tensor): Tensor => unary('sign', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
export const sin = (x: Tensor): Tensor => unary('sin', x);
export const cos = (x: Tensor): Tensor => unary('cos', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const erf = (x: Tensor): Tensor => unary('erf', x);
export const floor = (x: Tensor): Tensor => unary('floor', x);
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even, as torch.round. */
export const round = (x: Tensor): Tensor => unary('round', x);
export const trunc = (x: Tensor): Tensor => unary('trunc', x);
export const isNan = (x: Tensor): Tensor => unary('isNan', x);
export const isFinite = (x: Tensor): Tensor => unary('isFinite', x);
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unary('leakyRelu', x, { negativeSlope });
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return unary('elu', x, { alpha, scale: 1 });
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

export function selu(x: Tensor): Tensor {
  return unary('elu', x, { alpha: SELU_ALPHA, scale: SELU_SCALE });
}

/** log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as torch). */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return unary('softplus', x, { beta, threshold });
}

/** x * Phi(x) (exact, torch's default) or its tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  return unary('gelu', x, { approximate });
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? NaN;
  const hi = max ?? NaN;
  if (Number.isNaN(lo) && Number.isNaN(hi)) throw new Error('clamp: at least one of min and max must be given');
  return unary('clamp', x, { min: Number.isNaN(lo) ? null : lo, max: Number.isNaN(hi) ? null : hi });
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

function checkOperand(op: BinaryOp, x: TensorLike): void {
  if (!(x instanceof Tensor) && typeof x !== 'number' && typeof x !== 'boolean') {
    throw new Error(`${op}: operands must be Tensors, numbers or booleans, got ${x === null ? 'null' : typeof x}`);
  }
}

function isBoolOperand(x: TensorLike): boolean {
  return typeof x === 'boolean' || (x instanceof Tensor && x.dtype === 'bool');
}

function binary(op: BinaryOp, a: TensorLike, b: TensorLike): Tensor {
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

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike): Tensor => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', a, b);
/** True division: integer operands give a float result, as torch.div. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', a, b);
/** Python-style modulus: the result has the divisor's sign (torch.remainder). */
export const remainder = (a: TensorLike, b: TensorLike): Tensor => binary('remainder', a, b);
export const floorDivide = (a: TensorLike, b: TensorLike): Tensor => binary('floorDivide', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('logicalAnd', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', a, b);
export const logicalXor = (a: TensorLike, b: TensorLike): Tensor => binary('logicalXor', a, b);

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
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', condition, 'condition');
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
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', x);
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
    samples: [sample([f([3, 4], [-3, 3])], { approximate: 'none' }), sample([f([6], [-3, 3])], { approximate: 'tanh' })],
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
