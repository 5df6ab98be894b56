/** Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { worstRelative } from './fixtures.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

const { optim } = nb;
type Json = number | string;

interface ClipCase {
  kind: 'norm' | 'value';
  dtype: nb.FloatDType;
  normType?: number | 'Infinity';
  maxNorm?: number;
  clipValue?: number;
  withoutGrad?: number[];
  nonfinite?: 'Infinity' | 'NaN';
  total?: Json;
  grads: (Json[] | null)[];
}

const fixture = readFixture<{ shapes: number[][]; grads: number[][]; cases: ClipCase[] }>('optim-clip.json');
const TOL = { float64: 1e-12, float32: 1e-6 } as const;

function makeParams(c: ClipCase): nb.Tensor[] {
  return fixture.shapes.map((shape, i) => {
    const p = nb.zeros(shape, { dtype: c.dtype, requiresGrad: true });
    if (!(c.withoutGrad ?? []).includes(i)) {
      const values = [...fixture.grads[i]!];
      if (i === 0 && c.nonfinite !== undefined) values[1] = decodeNumber(c.nonfinite);
      p.grad = nb.tensor(values, { dtype: c.dtype, allowNonFinite: true }).reshape(shape);
    }
    return p;
  });
}

describe('clipping matches torch', () => {
  for (const c of fixture.cases) {
    const name = c.kind === 'norm'
      ? `clipGradNorm ${c.dtype} normType ${c.normType} maxNorm ${c.maxNorm}${c.nonfinite ? ` with ${c.nonfinite}` : ''}`
      : `clipGradValue ${c.dtype} ${c.clipValue}`;
    test(name, () => {
      const params = makeParams(c);
      if (c.kind === 'norm') {
        const total = optim.clipGradNorm(params, c.maxNorm!, decodeNumber(c.normType!));
        const expected = decodeNumber(c.total!);
        assert.equal(total.ndim, 0);
        if (Number.isFinite(expected)) assert.ok(Math.abs(total.item() - expected) <= TOL[c.dtype] * expected, `total ${total.item()} vs ${expected}`);
        else assert.ok(Object.is(total.item(), expected) || (Number.isNaN(expected) && Number.isNaN(total.item())), `total ${total.item()}`);
      } else {
        optim.clipGradValue(params, c.clipValue!);
      }
      params.forEach((p, i) => {
        const expected = c.grads[i];
        if (expected === null || expected === undefined) {
          assert.equal(p.grad, null);
          return;
        }
        const err = worstRelative(p.grad!.toTypedArray(), expected.map(decodeNumber), 1e-3);
        assert.ok(err <= TOL[c.dtype], `gradient ${i}: relative error ${err}`);
        const nanExpected = expected.map(decodeNumber).map(Number.isNaN);
        assert.deepEqual(Array.from(p.grad!.toTypedArray(), Number.isNaN), nanExpected, `NaNs of gradient ${i}`);
      });
    });
  }

  test('errorIfNonfinite throws for an infinite norm and leaves the gradients alone', () => {
    const p = nb.tensor([1, Infinity], { allowNonFinite: true }).requiresGrad_(true);
    p.grad = nb.tensor([3, Infinity], { allowNonFinite: true });
    assert.throws(() => optim.clipGradNorm([p], 1, 2, { errorIfNonfinite: true }), /clipGradNorm: the total norm of order 2 of the gradients is Infinity/);
    assert.deepEqual(p.grad.toArray(), [3, Infinity]);
  });

  test('no gradients gives a zero norm; a single tensor is accepted', () => {
    const p = nb.zeros([3], { requiresGrad: true });
    assert.equal(optim.clipGradNorm([p], 1).item(), 0);
    p.grad = nb.tensor([3, 4, 0], { dtype: 'float32' });
    assert.ok(Math.abs(optim.clipGradNorm(p, 1).item() - 5) < 1e-6);
    assert.ok(Math.abs(p.grad.norm().item() - 1) < 1e-5);
  });

  test('bad arguments name the function', () => {
    assert.throws(() => optim.clipGradNorm([1 as unknown as nb.Tensor], 1), /clipGradNorm: parameter 0 is not a Tensor but number/);
    assert.throws(() => optim.clipGradNorm([], Number.NaN), /clipGradNorm: maxNorm must be a number, got number NaN/);
    assert.throws(() => optim.clipGradValue([], Number.NaN), /clipGradValue: clipValue must be a number/);
  });
});

test('nn.utils spells the clipping functions as torch.nn.utils, with the options checked', () => {
  assert.equal(nb.nn.utils.clipGradNorm, optim.clipGradNorm);
  assert.equal(nb.nn.utils.clipGradValue, optim.clipGradValue);
  const p = nb.tensor([3, 4], { requiresGrad: true });
  p.mul(1).sum().backward();
  const total = nb.nn.utils.clipGradNorm([p], 1, { normType: 1 });
  assert.equal(total.item(), 2);
  assert.throws(() => nb.nn.utils.clipGradNorm([p], 1, { norm_type: 2 } as never), /unknown option 'norm_type' for clipGradNorm; did you mean 'normType'\?/);
  assert.throws(() => (nb.nn.utils.clipGradValue as (...a: unknown[]) => void)([p], 1, 2), /clipGradValue: too many arguments/);
});
