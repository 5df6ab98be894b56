/** The fused LSTM and GRU cell primitives: second derivatives, the two backward paths, errors. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { gruCellFused, lstmCellFused } from '../../src/ops/recurrent.js';

const f64 = (shape: number[], scale = 1): nb.Tensor => nb.randn(shape, { dtype: 'float64' }).mul(scale);

/** A scalar of every output, weighted so that each element's gradient differs. */
function weightedSum(outs: nb.Tensor[]): nb.Tensor {
  return outs.map((o, k) => o.mul(nb.arange(o.numel(), { dtype: 'float64' }).reshape(o.shape).add(k + 1).mul(0.1)).sum()).reduce((a, b) => a.add(b));
}

const lstmOut = (gates: nb.Tensor, c: nb.Tensor): nb.Tensor[] => lstmCellFused(gates, c);
const lstmSummedOut = (gates: nb.Tensor, c: nb.Tensor, hiddenGates: nb.Tensor): nb.Tensor[] => lstmCellFused(gates, c, hiddenGates);
const gruOut = (gi: nb.Tensor, gh: nb.Tensor, h: nb.Tensor): nb.Tensor[] => [gruCellFused(gi, gh, h)];

/** The gradient of weightedSum(fn(...)) with respect to every input, recorded so it can be differentiated again. */
function firstOrder(fn: (...xs: nb.Tensor[]) => nb.Tensor[]): (...xs: nb.Tensor[]) => nb.Tensor[] {
  return (...xs) =>
    nb.enableGrad(() => {
      const leaves = xs.map((x) => (x.requiresGrad ? x : x.detach().requiresGrad_()));
      return nb.autogradGrad([weightedSum(fn(...leaves))], leaves, { createGraph: true }).map((g) => g!);
    });
}

describe('fused recurrent cells', () => {
  test('second derivatives (float64 gradCheck of the recorded gradient)', () => {
    nb.manualSeed(11);
    const lstm = nb.gradCheck(firstOrder(lstmOut), [f64([3, 8], 1.5), f64([3, 2])]);
    assert.ok(lstm.passed, `lstm: relative error ${lstm.relativeError}`);
    const summed = nb.gradCheck(firstOrder(lstmSummedOut), [f64([3, 8]), f64([3, 2]), f64([3, 8])]);
    assert.ok(summed.passed, `lstm with hiddenGates: relative error ${summed.relativeError}`);
    const gru = nb.gradCheck(firstOrder(gruOut), [f64([3, 6], 1.5), f64([3, 6], 1.5), f64([3, 2])]);
    assert.ok(gru.passed, `gru: relative error ${gru.relativeError}`);
  });

  test('the fused backward kernel equals the recorded tensor-op backward', () => {
    nb.manualSeed(12);
    const cases: [(...xs: nb.Tensor[]) => nb.Tensor[], nb.Tensor[]][] = [
      [lstmOut, [f64([5, 12], 2), f64([5, 3])]],
      [lstmSummedOut, [f64([5, 12]), f64([5, 3]), f64([5, 12])]],
      [gruOut, [f64([5, 9], 2), f64([5, 9], 2), f64([5, 3])]],
    ];
    for (const [fn, inputs] of cases) {
      const leaves = inputs.map((x) => x.requiresGrad_());
      const fused = nb.autogradGrad([weightedSum(fn(...leaves))], leaves);
      const recorded = nb.autogradGrad([weightedSum(fn(...leaves))], leaves, { createGraph: true });
      fused.forEach((g, i) => {
        const diff = g!.sub(recorded[i]!).abs().max().item();
        assert.ok(diff < 1e-12, `input ${i}: kernel and recorded gradients differ by ${diff}`);
      });
    }
  });

  test('float32 matches the float64 computation', () => {
    nb.manualSeed(13);
    const gates = f64([4, 16], 2);
    const c = f64([4, 4]);
    const [h64, c64] = lstmCellFused(gates, c);
    const [h32, c32] = lstmCellFused(gates.to('float32'), c.to('float32'));
    assert.ok(h32.to('float64').sub(h64).abs().max().item() < 1e-6);
    assert.ok(c32.to('float64').sub(c64).abs().max().item() < 1e-6);
    const gi = f64([4, 12], 2);
    const gh = f64([4, 12], 2);
    const g64 = gruCellFused(gi, gh, c);
    const g32 = gruCellFused(gi.to('float32'), gh.to('float32'), c.to('float32'));
    assert.ok(g32.to('float64').sub(g64).abs().max().item() < 1e-6);
  });

  test('errors name the op, the operand and the expected shape or dtype', () => {
    const c = nb.zeros([2, 3]);
    assert.throws(() => lstmCellFused(nb.zeros([2, 8]), c), /lstmCellFused: expected gates of shape \[2, 12\].*got \[2, 8\]/);
    assert.throws(() => lstmCellFused(nb.zeros([2, 12], { dtype: 'float64' }), c), /lstmCellFused: gates has dtype float64, expected float32/);
    assert.throws(() => lstmCellFused(nb.zeros([12]), nb.zeros([], { dtype: 'float32' })), /lstmCellFused: the cell state c must be a floating-point tensor \[\.\.\., H\]/);
    assert.throws(() => lstmCellFused(nb.zeros([2, 12]), c, nb.zeros([3, 12])), /lstmCellFused: expected hiddenGates of shape \[2, 12\]/);
    assert.throws(() => gruCellFused(nb.zeros([2, 9]), nb.zeros([2, 6]), c), /gruCellFused: expected gh \(the hidden projection\) of shape \[2, 9\]/);
    assert.throws(() => gruCellFused(nb.zeros([2, 9]), nb.zeros([2, 9]), nb.zeros([2, 3], { dtype: 'int32' })), /gruCellFused: the hidden state h must be a floating-point/);
  });
});
