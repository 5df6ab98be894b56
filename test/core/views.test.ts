/**
 * Property tests for view semantics. A random chain of movement ops is applied both to a real
 * tensor and to a reference model (for every element of the result, the flat index of the base
 * element it reads). Then: the view holds the right values; every op kind gives the same result
 * on the view as on an independent contiguous copy; gradients flow back through the chain to
 * the right base elements; views share storage; contiguous() copies only when it must.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as nb from '../../src/index.js';

const runs = { numRuns: 150, seed: 7, includeErrorInReport: true };

/** The reference: shape of the view and, per element in row-major order, the base index it reads. */
interface RefView {
  shape: number[];
  src: number[];
}

const numelOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((flat, v, d) => flat * shape[d]! + v, 0);
}

/** A new reference view whose element at output index o reads input index `from(o)`. */
function remap(ref: RefView, shape: number[], from: (o: number[]) => number[]): RefView {
  const src = Array.from({ length: numelOf(shape) }, (_, i) => ref.src[ravel(from(unravel(i, shape)), ref.shape)]!);
  return { shape, src };
}

/** One step of a chain: the op on a tensor and on the reference, with a readable name. */
interface Step {
  name: string;
  real(t: nb.Tensor): nb.Tensor;
  ref(r: RefView): RefView;
}

/** Python's slice.indices for a positive step. */
function sliceIndices(start: number, end: number, step: number, n: number): number[] {
  const norm = (i: number): number => (i < 0 ? Math.max(i + n, 0) : Math.min(i, n));
  const out: number[] = [];
  for (let i = norm(start); i < norm(end); i += step) out.push(i);
  return out;
}

/** Factor pairs used to split a dim in a reshape. */
function splitOf(n: number, pick: number): [number, number] {
  if (n === 0) return [1 + (pick % 2), 0];
  const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
  const f = divisors[pick % divisors.length]!;
  return [f, n / f];
}

/** Interprets four random numbers as a movement op valid for `shape` (null when none applies). */
function makeStep(shape: readonly number[], [k, p, q, r]: readonly [number, number, number, number]): Step | null {
  const rank = shape.length;
  const dim = rank === 0 ? 0 : p % rank;
  const negDim = dim - rank; // exercise negative dims half the time
  const useDim = q % 2 === 0 ? dim : negDim;
  switch (k % 10) {
    case 0: {
      if (rank < 2) return null;
      const perm = Array.from({ length: rank }, (_, i) => i).sort((a, b) => ((a * 7 + p) % 5) - ((b * 7 + p) % 5) || a - b);
      return {
        name: `permute(${perm})`,
        real: (t) => t.permute(perm),
        ref: (x) => remap(x, perm.map((d) => x.shape[d]!), (o) => {
          const i = new Array<number>(rank);
          perm.forEach((d, j) => (i[d] = o[j]!));
          return i;
        }),
      };
    }
    case 1: {
      if (rank < 2) return null;
      const d1 = q % rank;
      return {
        name: `transpose(${useDim}, ${d1})`,
        real: (t) => t.transpose(useDim, d1),
        ref: (x) => {
          const shp = [...x.shape];
          [shp[dim], shp[d1]] = [shp[d1]!, shp[dim]!];
          return remap(x, shp, (o) => {
            const i = [...o];
            [i[dim], i[d1]] = [i[d1]!, i[dim]!];
            return i;
          });
        },
      };
    }
    case 2: {
      if (rank === 0) return null;
      const n = shape[dim]!;
      const start = (q % (n + 3)) - 2;
      const end = (r % (n + 4)) - 1;
      const step = 1 + (k >> 4) % 3;
      return {
        name: `slice(${useDim}, ${start}, ${end}, ${step})`,
        real: (t) => t.slice(useDim, start, end, step),
        ref: (x) => {
          const idx = sliceIndices(start, end, step, n);
          const shp = [...x.shape];
          shp[dim] = idx.length;
          return remap(x, shp, (o) => o.map((v, d) => (d === dim ? idx[v]! : v)));
        },
      };
    }
    case 3: {
      if (rank === 0) return null;
      const n = shape[dim]!;
      const start = q % (n + 1);
      const length = r % (n - start + 1);
      return {
        name: `narrow(${useDim}, ${start}, ${length})`,
        real: (t) => t.narrow(useDim, start, length),
        ref: (x) => {
          const shp = [...x.shape];
          shp[dim] = length;
          return remap(x, shp, (o) => o.map((v, d) => (d === dim ? v + start : v)));
        },
      };
    }
    case 4: {
      if (rank === 0 || shape[dim] === 0) return null;
      const n = shape[dim]!;
      const index = (r % (2 * n)) - n;
      return {
        name: `select(${useDim}, ${index})`,
        real: (t) => t.select(useDim, index),
        ref: (x) => remap(x, x.shape.filter((_, d) => d !== dim), (o) => [...o.slice(0, dim), (index + n) % n, ...o.slice(dim)]),
      };
    }
    case 5: {
      if (rank === 0) return null;
      const dims = [...new Set([dim, q % rank])];
      return {
        name: `flip(${dims})`,
        real: (t) => t.flip(dims),
        ref: (x) => remap(x, [...x.shape], (o) => o.map((v, d) => (dims.includes(d) ? x.shape[d]! - 1 - v : v))),
      };
    }
    case 6: {
      // Expand every size-1 dim to 1 + (q % 3), and sometimes add a leading dim.
      const lead = r % 2 === 0 && rank < 4 ? [2] : [];
      const target = [...lead, ...shape.map((d) => (d === 1 ? 1 + (q % 3) : d))];
      return {
        name: `expand(${target})`,
        real: (t) => t.expand(target),
        ref: (x) => remap(x, target, (o) => o.slice(lead.length).map((v, d) => (x.shape[d] === 1 ? 0 : v))),
      };
    }
    case 7: {
      const ones = shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      if (q % 2 === 0 || ones.length === 0) {
        return { name: 'squeeze()', real: (t) => t.squeeze(), ref: (x) => ({ shape: x.shape.filter((d) => d !== 1), src: x.src }) };
      }
      const d = ones[r % ones.length]!;
      return { name: `squeeze(${d})`, real: (t) => t.squeeze(d), ref: (x) => ({ shape: x.shape.filter((_, i) => i !== d), src: x.src }) };
    }
    case 8: {
      if (rank >= 4) return null;
      const d = q % (rank + 1);
      const given = r % 2 === 0 ? d : d - rank - 1;
      return {
        name: `unsqueeze(${given})`,
        real: (t) => t.unsqueeze(given),
        ref: (x) => ({ shape: [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], src: x.src }),
      };
    }
    default: {
      // reshape: flatten, merge two neighbours, or split one dim in two.
      let target: number[];
      if (rank === 0 || q % 3 === 0) target = [-1];
      else if (q % 3 === 1 && rank >= 2) {
        const d = dim === rank - 1 ? dim - 1 : dim;
        target = [...shape.slice(0, d), shape[d]! * shape[d + 1]!, ...shape.slice(d + 2)];
      } else {
        if (rank >= 4) return null;
        target = [...shape.slice(0, dim), ...splitOf(shape[dim]!, r), ...shape.slice(dim + 1)];
      }
      const resolved = target[0] === -1 ? [numelOf(shape)] : target;
      return { name: `reshape(${target})`, real: (t) => t.reshape(target), ref: (x) => ({ shape: resolved, src: x.src }) };
    }
  }
}

const stepCodes = fc.array(fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 6 });
const baseShape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });

interface Chain {
  base: nb.Tensor;
  view: nb.Tensor;
  ref: RefView;
  names: string[];
}

/** Applies the decodable steps to a fresh float64 base holding 0, 1, 2, ... (so values name positions). */
function buildChain(shape: number[], codes: readonly (readonly [number, number, number, number])[], requiresGrad = false): Chain {
  const base = nb.arange(numelOf(shape), { dtype: 'float64' }).reshape(shape).detach().requiresGrad_(requiresGrad);
  let view = base;
  let ref: RefView = { shape: [...shape], src: Array.from({ length: numelOf(shape) }, (_, i) => i) };
  const names: string[] = [];
  for (const code of codes) {
    const step = makeStep(ref.shape, code);
    if (step === null) continue;
    view = step.real(view);
    ref = step.ref(ref);
    names.push(step.name);
  }
  return { base, view, ref, names };
}

/** A contiguous tensor with the view's values, built without going through any view code. */
function independentCopy(ref: RefView, requiresGrad = false): nb.Tensor {
  const t = nb.tensor(Float64Array.from(ref.src), { dtype: 'float64' });
  return nb.Tensor.fromData(t.toTypedArray(), ref.shape, 'float64').requiresGrad_(requiresGrad);
}

function assertSameTensor(a: nb.Tensor, b: nb.Tensor, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  for (let i = 0; i < x.length; i++) {
    const ok = Object.is(x[i], y[i]) || Math.abs(x[i]! - y[i]!) <= 1e-12 * (1 + Math.abs(y[i]!));
    assert.ok(ok, `${what}: element ${i} is ${x[i]} on the view and ${y[i]} on the copy`);
  }
}

/** Deterministic pseudo-random numbers for op arguments. */
function numbers(n: number, salt: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) * 2);
}

/** Every op kind, applied to x; `pick` chooses dims and companions so both sides get the same call. */
function opResults(x: nb.Tensor, pick: number): [string, nb.Tensor][] {
  const rank = x.ndim;
  const dim = rank === 0 ? 0 : pick % rank;
  const out: [string, nb.Tensor][] = [
    ['exp', x.div(10).exp()],
    ['neg', x.neg()],
    ['tanh', x.tanh()],
    ['sum', x.sum()],
    ['cumsum', x.cumsum(rank === 0 ? 0 : dim)],
    ['softmax', x.div(10).softmax(rank === 0 ? 0 : dim)],
    ['cat', nb.cat([x.reshape(rank === 0 ? [1] : x.shape), nb.ones(rank === 0 ? [1] : x.shape, { dtype: 'float64' })], rank === 0 ? 0 : dim)],
  ];
  // Binary with broadcasting: a companion whose shape drops leading dims and sets some to 1.
  const companionShape = x.shape.slice(pick % (rank + 1)).map((d, i) => ((pick >> i) & 1 ? 1 : d));
  const companion = nb.tensor(numbers(numelOf(companionShape), pick), { dtype: 'float64' }).reshape(companionShape);
  out.push(['add broadcast', x.add(companion)], ['mul broadcast reversed', companion.mul(x)], ['maximum', nb.maximum(x, companion)]);
  if (x.numel() > 0) {
    const dims = x.shape.map((_, i) => i).filter((i) => (pick >> (i + 1)) & 1);
    const keepdim = pick % 2 === 0;
    out.push(
      ['sum dims', x.sum(dims, keepdim)],
      ['mean dims', x.mean(dims, keepdim)],
      ['amax dims', x.amax(dims, keepdim)],
      ['prod dims', x.div(20).prod(dims, keepdim)],
      ['argmax', x.argmax(rank === 0 ? undefined : dim)],
    );
    if (rank > 0) out.push(['max along dim values', x.max(dim).values], ['sort', x.sort(dim).values]);
  }
  if (rank >= 1) {
    const k = x.shape[rank - 1]!;
    const right = nb.tensor(numbers(k * 2, pick + 1), { dtype: 'float64' }).reshape([k, 2]);
    out.push(['matmul right', x.matmul(right)]);
    if (rank >= 2) {
      const m = x.shape[rank - 2]!;
      const left = nb.tensor(numbers(3 * m, pick + 2), { dtype: 'float64' }).reshape([3, m]);
      out.push(['matmul left', left.matmul(x)]);
    }
    const size = x.shape[dim]!;
    if (size > 0) {
      const idxValues = Array.from({ length: x.numel() }, (_, i) => (i * 5 + pick) % size);
      const index = nb.tensor(idxValues, { dtype: 'int32' }).reshape(x.shape);
      out.push(['gather', x.gather(dim, index)]);
    }
  }
  return out;
}

describe('views', () => {
  test('a chain of views holds exactly the elements the reference model predicts', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, (shape, codes) => {
        const { view, ref, names } = buildChain(shape, codes);
        assert.deepEqual(view.shape, ref.shape, names.join(' . '));
        assert.deepEqual(Array.from(view.toTypedArray()), ref.src, names.join(' . '));
      }),
      runs,
    );
  });

  test('a view and an independent contiguous copy give the same results under every op kind', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, fc.nat(1 << 10), (shape, codes, pick) => {
        const { view, ref, names } = buildChain(shape, codes);
        const copy = independentCopy(ref);
        const onView = opResults(view, pick);
        const onCopy = opResults(copy, pick);
        const onContiguous = opResults(view.contiguous(), pick);
        onView.forEach(([name, t], i) => {
          assertSameTensor(t, onCopy[i]![1], `${names.join(' . ')} then ${name}`);
          assertSameTensor(onContiguous[i]![1], onCopy[i]![1], `contiguous() of ${names.join(' . ')} then ${name}`);
        });
      }),
      runs,
    );
  });

  test('gradients flow back through the chain to the base elements each view element reads', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, fc.nat(1 << 10), (shape, codes, pick) => {
        const { base, view, ref, names } = buildChain(shape, codes, true);
        const weights = nb.tensor(numbers(numelOf(ref.shape), pick), { dtype: 'float64' }).reshape(ref.shape);
        // A nonlinear loss so the incoming gradient depends on the values read.
        view.square().mul(weights).sum().backward();
        const copy = independentCopy(ref, true);
        copy.square().mul(weights).sum().backward();
        const want = new Array<number>(base.numel()).fill(0);
        const viewGrad = copy.grad!.toTypedArray();
        ref.src.forEach((s, i) => (want[s]! += viewGrad[i]!));
        const got = Array.from(base.grad!.toTypedArray());
        assert.deepEqual(base.grad!.shape, base.shape);
        want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-9 * (1 + Math.abs(w)), `${names.join(' . ')}: base grad[${i}] ${got[i]} vs ${w}`));
      }),
      runs,
    );
  });

  test('a view shares storage: an in-place write through it changes the base', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, (shape, codes) => {
        const { base, view, ref, names } = buildChain(shape, codes);
        const isView = view.storage === base.storage;
        const overlapping = view.shape.some((d, i) => d > 1 && view.strides[i] === 0);
        const before = Array.from(base.toTypedArray());
        const version = base.storage.version;
        if (overlapping) {
          assert.throws(() => view.add_(100), /add_: more than one element of the written-to tensor .* refers to the same memory location/, names.join(' . '));
          return;
        }
        view.add_(100);
        const after = Array.from(base.toTypedArray());
        if (!isView) {
          // Only reshape may copy, and only when view() would refuse.
          assert.deepEqual(after, before, names.join(' . '));
          return;
        }
        const want = [...before];
        for (const s of ref.src) want[s]! += 100;
        assert.deepEqual(after, want, names.join(' . '));
        assert.equal(base.storage.version, version + 1);
        assert.deepEqual(Array.from(view.toTypedArray()), ref.src.map((s) => want[s]!));
      }),
      runs,
    );
  });

  test('reshape returns a view exactly when view() accepts the shape', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, fc.nat(1000), (shape, codes, q) => {
        const { view: x, names } = buildChain(shape, codes);
        const n = x.numel();
        const targets = [[n], [-1, ...(n % 2 === 0 && n > 0 ? [2] : [1])], [...x.shape].reverse(), splitOf(n, q)];
        for (const target of targets) {
          if (n === 0 && target.includes(-1)) continue; // -1 is ambiguous for an empty tensor
          let viewed: nb.Tensor | null = null;
          try {
            viewed = x.view(target);
          } catch (e) {
            assert.match((e as Error).message, /view: shape .* cannot view a tensor of shape .* without copying .* use reshape\(\) instead/);
          }
          const reshaped = x.reshape(target);
          assert.equal(reshaped.storage === x.storage, viewed !== null, `${names.join(' . ')} -> ${target}`);
          if (viewed !== null) assert.deepEqual(Array.from(viewed.toTypedArray()), Array.from(reshaped.toTypedArray()));
          assert.deepEqual(Array.from(reshaped.toTypedArray()), Array.from(x.toTypedArray()));
          if (x.isContiguous()) assert.notEqual(viewed, null, 'a contiguous tensor can always be viewed');
        }
      }),
      runs,
    );
  });

  test('contiguous() of a contiguous tensor is the same tensor; otherwise a contiguous copy', () => {
    fc.assert(
      fc.property(baseShape, stepCodes, (shape, codes) => {
        const { view } = buildChain(shape, codes);
        const c = view.contiguous();
        if (view.isContiguous()) assert.equal(c, view);
        else {
          assert.notEqual(c.storage, view.storage);
          assert.ok(c.isContiguous());
          assert.deepEqual(Array.from(c.toTypedArray()), Array.from(view.toTypedArray()));
        }
      }),
      runs,
    );
  });

  test('views of views keep pointing at the root tensor, and detach shares storage', () => {
    const x = nb.arange(12).reshape([3, 4]);
    const v = x.transpose(0, 1).narrow(0, 1, 2).flip(1);
    assert.equal(v.base, x.base);
    assert.equal(v.storage, x.storage);
    assert.equal(x.detach().storage, x.storage);
    assert.deepEqual(v.toArray(), [[9, 5, 1], [10, 6, 2]]);
  });
});
