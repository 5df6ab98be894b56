/**
 * Property tests for broadcasting: broadcastShapes against a reference rule, the shapes and
 * values binary ops produce, and gradients summed back to each input's shape.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as nb from '../../src/index.js';

const runs = { numRuns: 200, seed: 20240611 };

/** numpy's rule, written independently: align right, sizes must match or be 1. */
function referenceBroadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });

/** Two shapes that broadcast: drop leading dims of a common shape and set some sizes to 1. */
const compatiblePair = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }), fc.nat(), fc.nat(), fc.nat(), fc.nat())
  .map(([full, dropA, dropB, onesA, onesB]) => {
    const derive = (drop: number, ones: number): number[] =>
      full.slice(drop % (full.length + 1)).map((d, i) => ((ones >> i) & 1 ? 1 : d));
    return [derive(dropA, onesA), derive(dropB, onesB)] as const;
  });

/** Row-major multi-index of flat position i in shape. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}

/** Flat position in `shape` that output index `outIdx` reads when `shape` is broadcast. */
function sourceIndex(outIdx: readonly number[], shape: readonly number[]): number {
  const lead = outIdx.length - shape.length;
  let flat = 0;
  shape.forEach((d, k) => {
    flat = flat * d + (d === 1 ? 0 : outIdx[lead + k]!);
  });
  return flat;
}

const numelOf = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function valuesFor(shape: readonly number[], salt: number): number[] {
  return Array.from({ length: numelOf(shape) }, (_, i) => ((i * 7 + salt * 3) % 11) - 5 + 0.25 * salt);
}

describe('broadcasting', () => {
  test('broadcastShapes agrees with the reference rule on arbitrary shapes', () => {
    fc.assert(
      fc.property(shapeArb, shapeArb, (a, b) => {
        const want = referenceBroadcast(a, b);
        if (want === null) {
          assert.throws(() => nb.broadcastShapes('add', a, b), /add: shapes \[.*\] and \[.*\] cannot be broadcast together: at dim -\d+ the sizes are \d+ and \d+/);
        } else {
          assert.deepEqual(nb.broadcastShapes('add', a, b), want);
          assert.deepEqual(nb.broadcastShapes('add', b, a), want);
        }
      }),
      runs,
    );
  });

  test('broadcastShapes of compatible shapes is the larger shape, and is symmetric', () => {
    fc.assert(
      fc.property(compatiblePair, ([a, b]) => {
        assert.deepEqual(nb.broadcastShapes('mul', a, b), referenceBroadcast(a, b));
      }),
      runs,
    );
  });

  test('binary ops produce the broadcast shape and the elementwise values', () => {
    fc.assert(
      fc.property(compatiblePair, fc.constantFrom('add', 'sub', 'mul', 'maximum', 'lt'), ([sa, sb], op) => {
        const av = valuesFor(sa, 1);
        const bv = valuesFor(sb, 2);
        const a = nb.tensor(av, { dtype: 'float64' }).reshape(sa);
        const b = nb.tensor(bv, { dtype: 'float64' }).reshape(sb);
        const fns = { add: nb.add, sub: nb.sub, mul: nb.mul, maximum: nb.maximum, lt: nb.lt };
        const scalarFns = {
          add: (x: number, y: number) => x + y,
          sub: (x: number, y: number) => x - y,
          mul: (x: number, y: number) => x * y,
          maximum: Math.max,
          lt: (x: number, y: number) => (x < y ? 1 : 0),
        };
        const out = fns[op](a, b);
        const shape = referenceBroadcast(sa, sb)!;
        assert.deepEqual(out.shape, shape);
        const got = Array.from(out.toTypedArray());
        const want = Array.from({ length: numelOf(shape) }, (_, i) => {
          const idx = unravel(i, shape);
          return scalarFns[op](av[sourceIndex(idx, sa)]!, bv[sourceIndex(idx, sb)]!);
        });
        assert.deepEqual(got, want);
      }),
      runs,
    );
  });

  test('gradients are summed back to each input shape', () => {
    fc.assert(
      fc.property(compatiblePair, ([sa, sb]) => {
        const av = valuesFor(sa, 1);
        const bv = valuesFor(sb, 2);
        const a = nb.tensor(av, { dtype: 'float64' }).reshape(sa).detach().requiresGrad_();
        const b = nb.tensor(bv, { dtype: 'float64' }).reshape(sb).detach().requiresGrad_();
        const shape = referenceBroadcast(sa, sb)!;
        const weights = valuesFor(shape, 3);
        a.mul(b).mul(nb.tensor(weights, { dtype: 'float64' }).reshape(shape)).sum().backward();
        // d/da sum(w * a * b) = sum over the outputs a's element feeds of w * b.
        const wantA = new Array<number>(av.length).fill(0);
        const wantB = new Array<number>(bv.length).fill(0);
        for (let i = 0; i < numelOf(shape); i++) {
          const idx = unravel(i, shape);
          const ia = sourceIndex(idx, sa);
          const ib = sourceIndex(idx, sb);
          wantA[ia]! += weights[i]! * bv[ib]!;
          wantB[ib]! += weights[i]! * av[ia]!;
        }
        assert.deepEqual(a.grad!.shape, sa);
        assert.deepEqual(b.grad!.shape, sb);
        const close = (got: Float64Array | ArrayLike<number>, want: number[]): void =>
          want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-12 * (1 + Math.abs(w)), `grad[${i}] ${got[i]} vs ${w}`));
        close(a.grad!.toTypedArray(), wantA);
        close(b.grad!.toTypedArray(), wantB);
      }),
      runs,
    );
  });

  test('a 0-dim tensor broadcasts against any shape, and its gradient stays 0-dim', () => {
    const s = nb.tensor(2, { dtype: 'float64', requiresGrad: true });
    const x = nb.ones([2, 3], { dtype: 'float64' });
    const y = x.mul(s);
    assert.deepEqual(y.shape, [2, 3]);
    y.sum().backward();
    assert.deepEqual(s.grad!.shape, []);
    assert.equal(s.grad!.item(), 6);
  });

  test('size-0 dims broadcast like any other size', () => {
    assert.deepEqual(nb.zeros([0, 3]).add(nb.zeros([1, 3])).shape, [0, 3]);
    assert.deepEqual(nb.zeros([2, 1, 0]).add(nb.zeros([3, 1])).shape, [2, 3, 0]);
    assert.throws(() => nb.zeros([0]).add(nb.zeros([2])), /add: shapes \[0\] and \[2\] cannot be broadcast together/);
  });
});
