/**
 * The reference backend: every kernel in plain TypeScript, for every dtype. It is the living
 * definition of what a kernel computes; faster backends are tested against it.
 */
import {
  KernelError,
  type Backend,
  type BinaryOp,
  type RandomSource,
  type RandomSpec,
  type ReduceOp,
  type UnaryOp,
  type View,
} from '../types.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { axisLast, permuteView, positionsOf, stridedPositions } from './strided.js';

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

function unaryFn(op: UnaryOp, params: readonly number[], intOut: boolean): Fn1 {
  const p0 = params[0] ?? 0;
  const p1 = params[1] ?? 0;
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
    case 'leakyRelu': return (x) => (x > 0 ? x : x * p0);
    case 'elu': return (x) => (x > 0 ? p1 * x : p1 * p0 * Math.expm1(x));
    case 'softplus': return (x) => (x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0);
    case 'gelu':
      return p0 === 1
        ? (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        : (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2));
    case 'clamp': {
      const lo = Number.isNaN(p0) ? -Infinity : p0;
      const hi = Number.isNaN(p1) ? Infinity : p1;
      return (x) => (x < lo ? lo : x > hi ? hi : x);
    }
  }
}

function binaryFn(op: BinaryOp, intOut: boolean): Fn2 {
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
    case 'floorDivide': return (a, b) => {
      if (intOut && b === 0) throw new KernelError('integer division by zero');
      return Math.floor(a / b);
    };
    case 'eq': return (a, b) => (a === b ? 1 : 0);
    case 'ne': return (a, b) => (a !== b ? 1 : 0);
    case 'lt': return (a, b) => (a < b ? 1 : 0);
    case 'le': return (a, b) => (a <= b ? 1 : 0);
    case 'gt': return (a, b) => (a > b ? 1 : 0);
    case 'ge': return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd': return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logicalOr': return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    case 'logicalXor': return (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0);
  }
}

/** Element reader: value of element i of the view in row-major order. */
function reader(v: View): (i: number) => number {
  const data = v.data;
  const pos = stridedPositions(v.shape, v.strides, v.offset);
  if (pos === null) {
    const off = v.offset;
    return (i) => data[off + i]!;
  }
  return (i) => data[pos[i]!]!;
}

/** Stores into out, mapping to 0/1 for bool (so NaN and 0.5 become true) and wrapping for ints. */
function store(out: TypedArray, outDtype: DType): (i: number, v: number) => void {
  if (outDtype === 'bool') return (i, v) => (out[i] = v !== 0 ? 1 : 0);
  return (i, v) => (out[i] = v);
}

function reduceInit(op: ReduceOp): number {
  switch (op) {
    case 'sum': case 'any': return 0;
    case 'prod': case 'all': return 1;
    case 'max': return -Infinity;
    case 'min': return Infinity;
  }
}

function reduceFn(op: ReduceOp, intOut: boolean): Fn2 {
  switch (op) {
    case 'sum': return (acc, v) => acc + v;
    case 'prod': return intOut ? Math.imul : (acc, v) => acc * v;
    case 'max': return (acc, v) => (v > acc || v !== v ? v : acc);
    case 'min': return (acc, v) => (v < acc || v !== v ? v : acc);
    case 'any': return (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0);
    case 'all': return (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0);
  }
}

/** Splits a view into (rows of `axis` values) after moving axis last; returns positions and row length. */
function rowsAlong(x: View, axis: number): { pos: Int32Array; len: number; rows: number } {
  const moved = axisLast(x, axis);
  const len = x.shape[axis]!;
  const total = numel(x.shape);
  return { pos: positionsOf(moved), len, rows: len === 0 ? 0 : total / len };
}

/** Scatters a row-major result along a moved axis back into x's layout order. */
function unmoveAxis(values: TypedArray, shape: readonly number[], axis: number, dtype: DType): TypedArray {
  const rank = shape.length;
  const perm = [...shape.keys()].filter((d) => d !== axis);
  perm.push(axis);
  // values are laid out in the moved order; read them back in natural order.
  const movedShape = perm.map((d) => shape[d]!);
  const movedStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    movedStrides[i] = s;
    s *= movedShape[i]!;
  }
  const naturalStrides = new Array<number>(rank);
  perm.forEach((d, i) => (naturalStrides[d] = movedStrides[i]!));
  const src: View = { data: values, dtype, shape, strides: naturalStrides, offset: 0 };
  return copyKernel(src, dtype);
}

function copyKernel(x: View, outDtype: DType): TypedArray {
  const n = numel(x.shape);
  const out = allocate(outDtype, n);
  const pos = stridedPositions(x.shape, x.strides, x.offset);
  const data = x.data;
  if (outDtype === 'bool' && x.dtype !== 'bool') {
    for (let i = 0; i < n; i++) out[i] = data[pos === null ? x.offset + i : pos[i]!] !== 0 ? 1 : 0;
  } else if (pos === null) {
    if (out.constructor === data.constructor) out.set(data.subarray(x.offset, x.offset + n) as never);
    else for (let i = 0; i < n; i++) out[i] = data[x.offset + i]!;
  } else {
    for (let i = 0; i < n; i++) out[i] = data[pos[i]!]!;
  }
  return out;
}

/** Per-element coordinates walker used by gather and scatter. */
function forEachCoord(shape: readonly number[], fn: (coord: number[], i: number) => void): void {
  const n = numel(shape);
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(coord, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coord[d]! < shape[d]!) break;
      coord[d] = 0;
    }
  }
}

function checkIndex(value: number, axis: number, size: number): void {
  if (!(value >= 0 && value < size)) {
    throw new KernelError(`index ${value} is out of bounds for dim ${axis} with size ${size}`);
  }
}

function gatherKernel(x: View, axis: number, index: View): TypedArray {
  const out = allocate(x.dtype, numel(index.shape));
  const size = x.shape[axis]!;
  forEachCoord(index.shape, (coord, i) => {
    let ip = index.offset;
    let xp = x.offset;
    for (let d = 0; d < coord.length; d++) {
      ip += coord[d]! * index.strides[d]!;
      if (d !== axis) xp += coord[d]! * x.strides[d]!;
    }
    const k = index.data[ip]!;
    checkIndex(k, axis, size);
    out[i] = x.data[xp + k * x.strides[axis]!]!;
  });
  return out;
}

function scatterKernel(x: View, axis: number, index: View, src: View, mode: 'assign' | 'add'): TypedArray {
  const out = copyKernel(x, x.dtype);
  const outStrides: number[] = [];
  let s = 1;
  for (let d = x.shape.length - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= x.shape[d]!;
  }
  const size = x.shape[axis]!;
  const bool = x.dtype === 'bool';
  forEachCoord(index.shape, (coord) => {
    let ip = index.offset;
    let sp = src.offset;
    let op = 0;
    for (let d = 0; d < coord.length; d++) {
      ip += coord[d]! * index.strides[d]!;
      sp += coord[d]! * src.strides[d]!;
      if (d !== axis) op += coord[d]! * outStrides[d]!;
    }
    const k = index.data[ip]!;
    checkIndex(k, axis, size);
    op += k * outStrides[axis]!;
    const v = src.data[sp]!;
    out[op] = mode === 'add' ? (bool ? (out[op]! !== 0 || v !== 0 ? 1 : 0) : out[op]! + v) : v;
  });
  return out;
}

function randomKernel(spec: RandomSpec, n: number, dtype: DType, rng: RandomSource): TypedArray {
  const out = allocate(dtype, n);
  switch (spec.kind) {
    case 'uniform': {
      const span = spec.high - spec.low;
      for (let i = 0; i < n; i++) out[i] = spec.low + span * rng.nextDouble();
      break;
    }
    case 'normal': {
      // Box-Muller, both outputs used.
      for (let i = 0; i < n; i += 2) {
        const u1 = 1 - rng.nextDouble();
        const u2 = rng.nextDouble();
        const r = Math.sqrt(-2 * Math.log(u1));
        out[i] = spec.mean + spec.std * r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < n) out[i + 1] = spec.mean + spec.std * r * Math.sin(2 * Math.PI * u2);
      }
      break;
    }
    case 'randint': {
      const span = spec.high - spec.low;
      for (let i = 0; i < n; i++) out[i] = spec.low + Math.floor(rng.nextDouble() * span);
      break;
    }
  }
  return out;
}

export const cpuBackend: Backend = {
  name: 'cpu',

  unary(op, x, outDtype, params = []) {
    const n = numel(x.shape);
    const out = allocate(outDtype, n);
    const f = unaryFn(op, params, outDtype === 'int32');
    const get = reader(x);
    const put = store(out, outDtype);
    for (let i = 0; i < n; i++) put(i, f(get(i)));
    return out;
  },

  binary(op, a, b, outDtype) {
    const n = numel(a.shape);
    const out = allocate(outDtype, n);
    const intOut = outDtype === 'int32';
    const f = binaryFn(op, intOut);
    const ga = reader(a);
    const gb = reader(b);
    const put = store(out, outDtype);
    for (let i = 0; i < n; i++) put(i, f(ga(i), gb(i)));
    return out;
  },

  where(cond, a, b, outDtype) {
    const n = numel(cond.shape);
    const out = allocate(outDtype, n);
    const gc = reader(cond);
    const ga = reader(a);
    const gb = reader(b);
    const put = store(out, outDtype);
    for (let i = 0; i < n; i++) put(i, gc(i) !== 0 ? ga(i) : gb(i));
    return out;
  },

  reduce(op, x, axes, outDtype) {
    const keep = [...x.shape.keys()].filter((d) => !axes.includes(d));
    const moved = permuteView(x, [...keep, ...axes]);
    const outN = numel(keep.map((d) => x.shape[d]!));
    const r = numel(axes.map((d) => x.shape[d]!));
    const out = allocate(outDtype, outN);
    const f = reduceFn(op, outDtype === 'int32');
    const init = reduceInit(op);
    const get = reader(moved);
    const put = store(out, outDtype);
    for (let o = 0; o < outN; o++) {
      let acc = init;
      const base = o * r;
      for (let k = 0; k < r; k++) acc = f(acc, get(base + k));
      put(o, acc);
    }
    return out;
  },

  argReduce(op, x, axis) {
    const { pos, len, rows } = rowsAlong(x, axis);
    const out = new Int32Array(rows);
    const data = x.data;
    const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
    for (let r = 0; r < rows; r++) {
      let best = data[pos[r * len]!]!;
      let bi = 0;
      for (let k = 1; k < len && best === best; k++) {
        const v = data[pos[r * len + k]!]!;
        if (v !== v || better(v, best)) {
          best = v;
          bi = k;
        }
      }
      out[r] = bi;
    }
    return out;
  },

  scan(op, x, axis, outDtype) {
    const { pos, len, rows } = rowsAlong(x, axis);
    const moved = allocate(outDtype, rows * len);
    const data = x.data;
    const intOut = outDtype === 'int32';
    for (let r = 0; r < rows; r++) {
      let acc = op === 'cumsum' ? 0 : 1;
      for (let k = 0; k < len; k++) {
        const v = data[pos[r * len + k]!]!;
        acc = op === 'cumsum' ? acc + v : intOut ? Math.imul(acc, v) : acc * v;
        moved[r * len + k] = acc;
      }
    }
    return unmoveAxis(moved, x.shape, axis, outDtype);
  },

  matmul(a, b, outDtype) {
    const rank = a.shape.length;
    const m = a.shape[rank - 2]!;
    const k = a.shape[rank - 1]!;
    const n = b.shape[rank - 1]!;
    const batchShape = a.shape.slice(0, rank - 2);
    const batch = numel(batchShape);
    const out = allocate(outDtype, batch * m * n);
    const aBatch = positionsOf({ ...a, shape: batchShape, strides: a.strides.slice(0, rank - 2) });
    const bBatch = positionsOf({ ...b, shape: batchShape, strides: b.strides.slice(0, rank - 2) });
    const [as0, as1] = [a.strides[rank - 2]!, a.strides[rank - 1]!];
    const [bs0, bs1] = [b.strides[rank - 2]!, b.strides[rank - 1]!];
    const ad = a.data;
    const bd = b.data;
    const row = new Float64Array(n);
    const intOut = outDtype === 'int32';
    for (let t = 0; t < batch; t++) {
      const ao = aBatch[t]!;
      const bo = bBatch[t]!;
      for (let i = 0; i < m; i++) {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          const av = ad[ao + i * as0 + p * as1]!;
          const bp = bo + p * bs0;
          if (intOut) for (let j = 0; j < n; j++) row[j] = (row[j]! + Math.imul(av, bd[bp + j * bs1]!)) | 0;
          else for (let j = 0; j < n; j++) row[j] = row[j]! + av * bd[bp + j * bs1]!;
        }
        out.set(row as never, (t * m + i) * n);
      }
    }
    return out;
  },

  copy: copyKernel,

  assign(dst, src) {
    const n = numel(dst.shape);
    const dpos = positionsOf(dst);
    const get = reader(src);
    const out = dst.data;
    if (dst.dtype === 'bool') for (let i = 0; i < n; i++) out[dpos[i]!] = get(i) !== 0 ? 1 : 0;
    else for (let i = 0; i < n; i++) out[dpos[i]!] = get(i);
  },

  gather: gatherKernel,
  scatter: scatterKernel,

  argsort(x, axis, descending) {
    const { pos, len, rows } = rowsAlong(x, axis);
    const moved = new Int32Array(rows * len);
    const data = x.data;
    const order = Array.from({ length: len }, (_, i) => i);
    const vals = new Float64Array(len);
    const sign = descending ? -1 : 1;
    const cmp = (i: number, j: number): number => {
      const a = vals[i]!;
      const b = vals[j]!;
      if (a !== a) return b !== b ? i - j : sign; // NaN is the largest value
      if (b !== b) return -sign;
      return a < b ? -sign : a > b ? sign : i - j;
    };
    for (let r = 0; r < rows; r++) {
      for (let kk = 0; kk < len; kk++) {
        vals[kk] = data[pos[r * len + kk]!]!;
        order[kk] = kk;
      }
      order.sort(cmp);
      for (let kk = 0; kk < len; kk++) moved[r * len + kk] = order[kk]!;
    }
    return unmoveAxis(moved, x.shape, axis, 'int32') as Int32Array;
  },

  random: randomKernel,
};
