/** The wasm backend's fused LSTM and GRU cells against the reference on random data, forward and backward. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { gruCellFused, lstmCellFused } from '../../src/ops/recurrent.js';

function on<T>(backend: 'cpu' | 'wasm', fn: () => T): T {
  nb.setBackend(backend);
  try {
    return fn();
  } finally {
    nb.setBackend('wasm');
  }
}

function assertClose(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const worst = actual.sub(expected).abs().sub(expected.abs().mul(1e-5)).max().item();
  assert.ok(worst <= 1e-6, `${what}: wasm and cpu differ by ${worst}`);
}

/** Outputs and input gradients of fn on fresh leaves made from the inputs. */
function run(fn: (...xs: Tensor[]) => Tensor[], inputs: Tensor[]): Tensor[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  const outs = fn(...leaves);
  outs.reduce((acc, o, k) => acc.add(o.mul(k + 1).sum()), nb.zeros([])).backward();
  return [...outs, ...leaves.map((l) => l.grad!)];
}

describe('wasm fused recurrent cells', () => {
  test('the wasm backend has the cells', () => {
    assert.ok(nb.getBackend().kernels.includes('lstmCell') && nb.getBackend().kernels.includes('gruCell'));
  });

  // Hidden 8 takes the f32x4 kernels; hidden 3 falls back to the reference; gates in [-12, 12] reach saturation.
  for (const hidden of [8, 3]) {
    test(`LSTM and GRU cells, hidden ${hidden}`, () => {
      nb.manualSeed(hidden);
      const gates = nb.rand([5, 4 * hidden]).mul(24).sub(12);
      const c = nb.randn([5, hidden]);
      const lstm = (g: Tensor, s: Tensor): Tensor[] => lstmCellFused(g, s);
      const want = on('cpu', () => run(lstm, [gates, c]));
      run(lstm, [gates, c]).forEach((t, i) => assertClose(t, want[i]!, `lstm output/gradient ${i}`));
      const hiddenGates = nb.randn([5, 4 * hidden]);
      const summed = (g: Tensor, s: Tensor, gh: Tensor): Tensor[] => lstmCellFused(g, s, gh);
      const wantSummed = on('cpu', () => run(summed, [gates, c, hiddenGates]));
      run(summed, [gates, c, hiddenGates]).forEach((t, i) => assertClose(t, wantSummed[i]!, `lstm (x and h gates) output/gradient ${i}`));

      const gi = nb.randn([5, 3 * hidden]).mul(3);
      const gh = nb.randn([5, 3 * hidden]).mul(3);
      const gru = (a: Tensor, b: Tensor, h: Tensor): Tensor[] => [gruCellFused(a, b, h)];
      const wantGru = on('cpu', () => run(gru, [gi, gh, c]));
      run(gru, [gi, gh, c]).forEach((t, i) => assertClose(t, wantGru[i]!, `gru output/gradient ${i}`));
    });
  }
});
