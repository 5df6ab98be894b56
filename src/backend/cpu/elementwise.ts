/**
 * Reference elementwise and reduction kernels. They walk operands row by row (see rows.ts) and
 * switch on the op once per row, with inline loops for the common ops and the op's scalar
 * function for the rest.
 */
import type { BinaryOp, ReduceOp, UnaryOp, UnaryParams, UnaryParamsOf, View } from '../types.js';
import { KernelError } from '../types.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { forEachRow } from './rows.js';
import { isContiguous } from './strided.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

function erf(x: number): number {
  // W. J. Cody's rational approximations (as in many libm's), accurate to ~1e-16.
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const t = x * x;
    const p = (((0.1857777061846031526730 * t + 3.161123743870565596947) * t + 113.8641541510501556495) * t + 377.4852376853020208137) * t + 3209.377589138469472562;
    const q = (((t + 23.60129095234412093499) * t + 244.0246379344441733056) * t + 1282.616526077372275645) * t + 2844.236833439170622273;
    return (x * p) / q;
  }
  let r: number;
  if (ax < 4) {
    const p = (((((((-1.36864857382716707e-7 * ax + 0.564195517478973971) * ax + 7.21175825088309366) * ax + 43.1622272220567353) * ax + 152.989285046940404) * ax + 339.320816734343687) * ax + 451.918953711872942) * ax + 300.459261020161601);
    const q = (((((((ax + 12.7827273196294235) * ax + 77.0001529352294730) * ax + 277.585444743988643) * ax + 638.980264465631520) * ax + 931.354094850609861) * ax + 790.950925327898027) * ax + 300.459260956983293);
    r = (Math.exp(-ax * ax) * p) / q;
  } else {
    const z = 1 / (ax * ax);
    const p = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 0.000658749161529837803;
    const q = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
    r = (Math.exp(-ax * ax) / ax) * (0.5641895835477563 - (z * p) / q);
  }
  const res = 1 - r;
  return x < 0 ? -res : res;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Rounds half to even, as torch.round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function unaryFn(op: UnaryOp, params: UnaryParamsOf<UnaryOp>, intOut: boolean): Fn1 {
  const of = <K extends keyof UnaryParams>(name: K): UnaryParams[K] => {
    if (params === undefined) throw new Error(`unary '${name}': expected its parameters`);
    return params as UnaryParams[K];
  };
  switch (op) {
    case 'neg': return (x) => -x;
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'log1p': return Math.log1p;
    case 'expm1': return Math.expm1;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'square': return intOut ? (x) => Math.imul(x, x) : (x) => x * x;
    case 'reciprocal': return (x) => 1 / x;
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'tanh': return Math.tanh;
    case 'sigmoid': return sigmoid;
    case 'relu': return (x) => (x > 0 ? x : x === x ? 0 : x);
    case 'erf': return erf;
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return roundHalfEven;
    case 'trunc': return Math.trunc;
    case 'isNan': return (x) => (x !== x ? 1 : 0);
    case 'isFinite': return (x) => (Number.isFinite(x) ? 1 : 0);
    case 'logicalNot': return (x) => (x === 0 ? 1 : 0);
    case 'leakyRelu': {
      const { negativeSlope } = of('leakyRelu');
      return (x) => (x > 0 ? x : x * negativeSlope);
    }
    case 'elu': {
      const { alpha, scale } = of('elu');
      return (x) => (x > 0 ? scale * x : scale * alpha * Math.expm1(x));
    }
    case 'softplus': {
      const { beta, threshold } = of('softplus');
      return (x) => (x * beta > threshold ? x : Math.log1p(Math.exp(x * beta)) / beta);
    }
    case 'gelu':
      return of('gelu').approximate === 'tanh'
        ? (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        : (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2));
    case 'clamp': {
      const { min, max } = of('clamp');
      const lo = min ?? -Infinity;
      const hi = max ?? Infinity;
      return (x) => (x < lo ? lo : x > hi ? hi : x);
    }
  }
}

const same = (v: number): number => v;

/**
 * torch's floor division of floats (c10's div_floor_floating), in the output's precision (round):
 * from fmod, so 1 // 0.1 is 9 as in Python and torch, where floor(1 / 0.1) would give 10.
 */
function divFloor(a: number, b: number, round: (v: number) => number): number {
  if (b === 0) return round(a / b);
  const mod = a % b; // fmod: exact
  let div = round(round(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = round(div - 1);
  if (div === 0) {
    const q = a / b;
    return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0, a / b)
  }
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

function binaryFn(op: BinaryOp, intOut: boolean, f32 = false): Fn2 {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return intOut ? Math.imul : (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'pow': return (a, b) => (intOut && b < 0 ? (a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0) : Math.pow(a, b));
    case 'maximum': return (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
    case 'minimum': return (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);
    case 'remainder': return (a, b) => {
      if (intOut && b === 0) throw new KernelError('integer remainder by zero');
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    };
    case 'floorDivide': return intOut
      ? (a, b) => {
          if (b === 0) throw new KernelError('integer division by zero');
          return Math.floor(a / b);
        }
      : (a, b) => divFloor(a, b, f32 ? Math.fround : same);
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd': return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logicalOr': return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    case 'logicalXor': return (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0);
    case 'reluBackward': return (a, b) => a * +(b > 0);
  }
}

function reduceInit(op: ReduceOp): number {
  switch (op) {
    case 'sum': case 'any': return 0;
    case 'prod': case 'all': return 1;
    case 'max': return -Infinity;
    case 'min': return Infinity;
  }
}



/** Bool outputs hold 0/1: arithmetic results (true + true) are normalised. */
function normaliseBool(out: TypedArray, outDtype: DType): void {
  if (outDtype !== 'bool') return;
  for (let i = 0; i < out.length; i++) if (out[i]! > 1) out[i] = 1;
}

/** out[o + j] = op(x[p + j * s]) for j < n: the common ops inline, the rest through their scalar function. */
function unaryRow(op: UnaryOp, f: Fn1, out: TypedArray, o: number, x: TypedArray, p: number, s: number, n: number): void {
  switch (op) {
    case 'neg': for (let j = 0; j < n; j++) out[o + j] = -x[p + j * s]!; return;
    case 'exp': for (let j = 0; j < n; j++) out[o + j] = Math.exp(x[p + j * s]!); return;
    case 'log': for (let j = 0; j < n; j++) out[o + j] = Math.log(x[p + j * s]!); return;
    case 'tanh': for (let j = 0; j < n; j++) out[o + j] = Math.tanh(x[p + j * s]!); return;
    case 'sqrt': for (let j = 0; j < n; j++) out[o + j] = Math.sqrt(x[p + j * s]!); return;
    case 'relu':
      for (let j = 0; j < n; j++) {
        const v = x[p + j * s]!;
        out[o + j] = v > 0 || v !== v ? v : 0;
      }
      return;
    case 'sigmoid':
      for (let j = 0; j < n; j++) {
        const v = x[p + j * s]!;
        out[o + j] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      }
      return;
    default: for (let j = 0; j < n; j++) out[o + j] = f(x[p + j * s]!);
  }
}

export function unaryKernel<Op extends UnaryOp>(op: Op, x: View, outDtype: DType, params?: UnaryParamsOf<Op>): TypedArray {
  const out = allocate(outDtype, numel(x.shape));
  const xd = x.data;
  const f = unaryFn(op, params, outDtype === 'int32');
  if (isContiguous(x.shape, x.strides)) unaryRow(op, f, out, 0, xd, x.offset, 1, out.length);
  else forEachRow(x.shape, [x], (offs, o, len, st) => unaryRow(op, f, out, o, xd, offs[0]!, st[0]!, len));
  if (op !== 'isNan' && op !== 'isFinite' && op !== 'logicalNot') normaliseBool(out, outDtype);
  return out;
}

/**
 * out[o + j] = a[pa + j * sa] op b[pb + j * sb] for j < n: arithmetic and comparisons inline, the
 * rest through f. Comparisons store +(a > b): V8 compiles `a > b ? 1 : 0` to a branch that
 * mispredicts on random data.
 */
function binaryRow(
  op: BinaryOp | 'generic', f: Fn2, out: TypedArray, o: number,
  a: TypedArray, pa: number, sa: number, b: TypedArray, pb: number, sb: number, n: number,
): void {
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! + b[pb + j * sb]!; return;
    case 'sub': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! - b[pb + j * sb]!; return;
    case 'mul': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! * b[pb + j * sb]!; return;
    case 'div': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! / b[pb + j * sb]!; return;
    case 'reluBackward': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! * +(b[pb + j * sb]! > 0); return;
    case 'eq': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! === b[pb + j * sb]!); return;
    case 'ne': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! !== b[pb + j * sb]!); return;
    case 'lt': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! < b[pb + j * sb]!); return;
    case 'le': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! <= b[pb + j * sb]!); return;
    case 'gt': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! > b[pb + j * sb]!); return;
    case 'ge': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! >= b[pb + j * sb]!); return;
    default: for (let j = 0; j < n; j++) out[o + j] = f(a[pa + j * sa]!, b[pb + j * sb]!);
  }
}

const COMPARISONS: readonly BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

export function binaryKernel(op: BinaryOp, a: View, b: View, outDtype: DType): TypedArray {
  const out = allocate(outDtype, numel(a.shape));
  const ad = a.data;
  const bd = b.data;
  const intOut = outDtype === 'int32';
  const f = binaryFn(op, intOut, outDtype === 'float32');
  // Integer products wrap like int32 (Math.imul), so they take the scalar function.
  const row = intOut && op === 'mul' ? 'generic' : op;
  forEachRow(a.shape, [a, b], (offs, o, len, st) => binaryRow(row, f, out, o, ad, offs[0]!, st[0]!, bd, offs[1]!, st[1]!, len));
  // Comparisons write 0/1 already; arithmetic on bools (true + true) is normalised.
  if (!COMPARISONS.includes(op)) normaliseBool(out, outDtype);
  return out;
}

export function whereKernel(cond: View, a: View, b: View, outDtype: DType): TypedArray {
  const out = allocate(outDtype, numel(cond.shape));
  const cd = cond.data;
  const ad = a.data;
  const bd = b.data;
  forEachRow(cond.shape, [cond, a, b], (offs, o, len, st) => {
    const [pc, pa, pb] = [offs[0]!, offs[1]!, offs[2]!];
    const [sc, sa, sb] = [st[0]!, st[1]!, st[2]!];
    for (let j = 0; j < len; j++) out[o + j] = cd[pc + j * sc] !== 0 ? ad[pa + j * sa]! : bd[pb + j * sb]!;
  });
  normaliseBool(out, outDtype);
  return out;
}

/**
 * The float sum of every element of x, in the order both backends use: eight running sums in
 * double (element i, in row-major order, goes to sum i % 8), then (s0 + s4) + (s2 + s6) added to
 * (s1 + s5) + (s3 + s7). Eight chains run about eight times as fast as one (asm/elementwise.ts
 * sumAllF32 is the wasm version), and are no less accurate.
 */
export function sumAll(x: View): number {
  const xd = x.data;
  const sums = new Float64Array(8);
  let i = 0;
  if (isContiguous(x.shape, x.strides)) {
    const n = numel(x.shape);
    const p = x.offset;
    let [s0, s1, s2, s3, s4, s5, s6, s7] = [0, 0, 0, 0, 0, 0, 0, 0];
    for (; i + 8 <= n; i += 8) {
      s0 += xd[p + i]!;
      s1 += xd[p + i + 1]!;
      s2 += xd[p + i + 2]!;
      s3 += xd[p + i + 3]!;
      s4 += xd[p + i + 4]!;
      s5 += xd[p + i + 5]!;
      s6 += xd[p + i + 6]!;
      s7 += xd[p + i + 7]!;
    }
    sums.set([s0, s1, s2, s3, s4, s5, s6, s7]);
    for (; i < n; i++) sums[i & 7] = sums[i & 7]! + xd[p + i]!;
  } else {
    forEachRow(x.shape, [x], (offs, _o, len, st) => {
      const p = offs[0]!;
      const s = st[0]!;
      for (let j = 0; j < len; j++, i++) sums[i & 7] = sums[i & 7]! + xd[p + j * s]!;
    });
  }
  return (sums[0]! + sums[4]! + (sums[2]! + sums[6]!)) + (sums[1]! + sums[5]! + (sums[3]! + sums[7]!));
}

/**
 * Reduces over `axes`. Each output folds its elements in row-major order of the reduced axes
 * (as they sit in x's shape, whatever order `axes` lists them in), accumulating in double.
 * The input is walked in its own row-major order against an accumulator whose strides are 0
 * along the reduced axes, so any combination of axes is one pass with no per-element index math.
 * A float sum of everything goes through sumAll's eight running sums instead.
 */
export function reduceKernel(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): TypedArray {
  const rank = x.shape.length;
  if (op === 'sum' && (outDtype === 'float32' || outDtype === 'float64') && axes.length === rank && numel(x.shape) > 0) {
    const out = allocate(outDtype, 1);
    out[0] = sumAll(x);
    return out;
  }
  const reducedAxis = new Array<boolean>(rank).fill(false);
  for (const a of axes) reducedAxis[a] = true;
  const accStrides = new Array<number>(rank);
  let outN = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reducedAxis[d]) accStrides[d] = 0;
    else {
      accStrides[d] = outN;
      outN *= x.shape[d]!;
    }
  }
  const init = reduceInit(op);
  const acc = new Float64Array(outN).fill(init);
  const xd = x.data;
  const intOut = outDtype === 'int32';
  const accumulator = { strides: accStrides, offset: 0 };
  forEachRow(x.shape, [x, accumulator], (offs, _o, len, st) => {
    const p = offs[0]!;
    const s = st[0]!;
    const q = offs[1]!;
    const t = st[1]!;
    if (t === 0) acc[q] = foldRow(op, intOut, acc[q]!, xd, p, s, len);
    else foldColumns(op, intOut, acc, q, t, xd, p, s, len);
  });
  const out = allocate(outDtype, outN);
  out.set(acc);
  normaliseBool(out, outDtype);
  return out;
}

/** Folds len elements of xd (from p, stride s) into one accumulator value. */
function foldRow(op: ReduceOp, intOut: boolean, start: number, xd: TypedArray, p: number, s: number, len: number): number {
  let a = start;
  switch (op) {
    case 'sum':
      for (let j = 0; j < len; j++) a += xd[p + j * s]!;
      return a;
    case 'prod':
      if (intOut) for (let j = 0; j < len; j++) a = Math.imul(a, xd[p + j * s]!);
      else for (let j = 0; j < len; j++) a *= xd[p + j * s]!;
      return a;
    case 'max':
      for (let j = 0; j < len; j++) {
        const v = xd[p + j * s]!;
        if (v > a || v !== v) a = v;
      }
      return a;
    case 'min':
      for (let j = 0; j < len; j++) {
        const v = xd[p + j * s]!;
        if (v < a || v !== v) a = v;
      }
      return a;
    case 'any':
      for (let j = 0; j < len && a === 0; j++) if (xd[p + j * s] !== 0) a = 1;
      return a;
    case 'all':
      for (let j = 0; j < len && a !== 0; j++) if (xd[p + j * s] === 0) a = 0;
      return a;
  }
}

/** Folds xd[p + j * s] into acc[q + j * t] for each j (a row along a kept axis). */
function foldColumns(op: ReduceOp, intOut: boolean, acc: Float64Array, q: number, t: number, xd: TypedArray, p: number, s: number, len: number): void {
  switch (op) {
    case 'sum':
      for (let j = 0; j < len; j++) acc[q + j * t] = acc[q + j * t]! + xd[p + j * s]!;
      return;
    case 'prod':
      if (intOut) for (let j = 0; j < len; j++) acc[q + j * t] = Math.imul(acc[q + j * t]!, xd[p + j * s]!);
      else for (let j = 0; j < len; j++) acc[q + j * t] = acc[q + j * t]! * xd[p + j * s]!;
      return;
    case 'max':
      for (let j = 0; j < len; j++) {
        const v = xd[p + j * s]!;
        if (v > acc[q + j * t]! || v !== v) acc[q + j * t] = v;
      }
      return;
    case 'min':
      for (let j = 0; j < len; j++) {
        const v = xd[p + j * s]!;
        if (v < acc[q + j * t]! || v !== v) acc[q + j * t] = v;
      }
      return;
    case 'any':
      for (let j = 0; j < len; j++) if (xd[p + j * s] !== 0) acc[q + j * t] = 1;
      return;
    case 'all':
      for (let j = 0; j < len; j++) if (xd[p + j * s] === 0) acc[q + j * t] = 0;
      return;
  }
}
