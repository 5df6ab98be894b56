/**
 * The wasm backend's fused LSTM and GRU cells, and its whole-sequence LSTM, against the reference
 * (which runs the steps one by one) on random data, forward and backward.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { on } from '../helpers/backends.js';
import { gruCellFused, lstmCellFused, lstmSequence } from '../../src/ops/recurrent.js';
import { PARALLEL_MIN_FLOPS } from '../../src/backend/wasm/gemm.js';

function assertClose(actual: Tensor, expected: Tensor, what: string, atol = 1e-6): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const worst = actual.sub(expected).abs().sub(expected.abs().mul(1e-5)).max().item();
  assert.ok(worst <= atol, `${what}: wasm and cpu differ by ${worst}`);
}

/** Outputs and input gradients of fn on fresh leaves made from the inputs. */
function run(fn: (...xs: Tensor[]) => Tensor[], inputs: Tensor[]): Tensor[] {
  const leaves = inputs.map((x) => x.detach().requiresGrad_());
  const outs = fn(...leaves);
  outs.reduce((acc, o, k) => acc.add(o.mul(k + 1).sum()), nb.zeros([])).backward();
  return [...outs, ...leaves.map((l) => l.grad!)];
}

/**
 * Runs lstm forward and backward on `backend` from fresh leaves copied from x0 and the initial
 * states, the output weighted by weigh(0, 1, ...): the output, final states and every gradient.
 */
function lstmResults(lstm: nb.nn.LSTM, x0: Tensor, states0: Tensor[], weigh: (positions: Tensor) => Tensor, backend: 'cpu' | 'wasm'): Tensor[] {
  return on(backend, () => {
    lstm.zeroGrad();
    const x = x0.detach().requiresGrad_();
    const [h0, c0] = states0.map((s) => s.detach().requiresGrad_()) as [Tensor, Tensor];
    const [out, [hN, cN]] = lstm.forward(x, [h0, c0]);
    out.mul(weigh(nb.arange(0, out.numel()).reshape(out.shape))).sum().add(hN.mul(2).sum()).add(cN.mul(-3).sum()).backward();
    return [out, hN, cN, x.grad!, h0.grad!, c0.grad!, ...[...lstm.parameters()].map((p) => p.grad!)];
  });
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

  describe('whole-sequence LSTM (one kernel call per layer direction)', () => {
    test('the wasm backend has it', () => {
      assert.ok(nb.getBackend().kernels.includes('lstmSequence') && nb.getBackend().kernels.includes('lstmSequenceBackward'));
    });

    const configs = [
      { name: 'one layer', input: 6, hidden: 8, options: {} },
      { name: 'two layers, bidirectional, batch first', input: 5, hidden: 12, options: { numLayers: 2, bidirectional: true, batchFirst: true } },
    ];
    for (const config of configs) {
      test(`${config.name}: outputs, final states and every gradient equal the step-by-step reference`, () => {
        nb.manualSeed(31);
        const lstm = new nb.nn.LSTM(config.input, config.hidden, config.options);
        const x0 = config.options.batchFirst === true ? nb.randn([3, 7, config.input]) : nb.randn([7, 3, config.input]);
        const directions = config.options.bidirectional === true ? 2 : 1;
        const states0 = [nb.randn([(config.options.numLayers ?? 1) * directions, 3, config.hidden]), nb.randn([(config.options.numLayers ?? 1) * directions, 3, config.hidden])];
        const runOn = (backend: 'cpu' | 'wasm'): Tensor[] => lstmResults(lstm, x0, states0, nb.sin, backend);
        const want = runOn('cpu');
        runOn('wasm').forEach((t, i) => assertClose(t, want[i]!, `output/gradient ${i}`, 1e-5));
      });
    }

    // Sequences whose products (T x 8 B H^2 flops) are shared by the threads, cut into blocks of
    // batch rows: results must not depend on the cut, bit for bit, and agree with the reference.
    const shared = [
      { name: 'hidden 100 (25 vectors), batch 7 (blocks of 4 and 3)', steps: 16, batch: 7, input: 5, hidden: 100, options: {} },
      { name: 'two layers, bidirectional, batch first', steps: 16, batch: 6, input: 4, hidden: 108, options: { numLayers: 2, bidirectional: true, batchFirst: true } },
      { name: 'batch 1 (one block, nothing to share)', steps: 20, batch: 1, input: 3, hidden: 260, options: {} },
    ];
    for (const config of shared) {
      test(`${config.name}: 1 and 2 threads give identical bits, and agree with the reference`, async () => {
        assert.ok(config.steps * 8 * config.batch * config.hidden ** 2 >= PARALLEL_MIN_FLOPS, 'large enough to share');
        await nb.ready();
        nb.manualSeed(33);
        const lstm = new nb.nn.LSTM(config.input, config.hidden, config.options);
        const batchFirst = config.options.batchFirst === true;
        const x0 = nb.randn(batchFirst ? [config.batch, config.steps, config.input] : [config.steps, config.batch, config.input]);
        const layers = (config.options.numLayers ?? 1) * (config.options.bidirectional === true ? 2 : 1);
        const states0 = [nb.randn([layers, config.batch, config.hidden]), nb.randn([layers, config.batch, config.hidden])];
        const runOn = (backend: 'cpu' | 'wasm'): Tensor[] => lstmResults(lstm, x0, states0, nb.cos, backend);
        const restore = nb.getNumThreads();
        try {
          nb.setNumThreads(1);
          const one = runOn('wasm');
          nb.setNumThreads(2);
          const two = runOn('wasm');
          one.forEach((t, i) => assert.deepEqual(two[i]!.toTypedArray(), t.toTypedArray(), `output/gradient ${i}: 2 threads differ from 1`));
          const want = runOn('cpu');
          two.forEach((t, i) => assertClose(t, want[i]!, `output/gradient ${i}`, 2e-5));
        } finally {
          nb.setNumThreads(restore);
        }
      });
    }

    test('only the gradients that are wanted: an input without grad, a frozen W_ih, no bias, reversed', () => {
      nb.manualSeed(34);
      const lstm = new nb.nn.LSTM(5, 8, { bidirectional: true, bias: false });
      const [weightIh] = [...lstm.parameters()] as [Tensor];
      weightIh.requiresGrad_(false);
      const x = nb.randn([6, 3, 5]);
      const runOn = (backend: 'cpu' | 'wasm'): (Tensor | null)[] =>
        on(backend, () => {
          lstm.zeroGrad();
          const [out] = lstm.forward(x);
          out.mul(nb.cos(nb.arange(0, out.numel()).reshape(out.shape))).sum().backward();
          return [out, ...[...lstm.parameters()].map((p) => p.grad)];
        });
      const want = runOn('cpu');
      const got = runOn('wasm');
      assert.equal(got[1], null, 'the frozen W_ih gets no gradient');
      assert.equal(x.grad, null);
      got.forEach((t, i) => (t === null ? assert.equal(want[i], null) : assertClose(t, want[i]!, `output/gradient ${i}`, 1e-5)));
      weightIh.requiresGrad_(true);
    });

    test('an empty batch (no rows for the products) gives empty outputs and zero gradients, as on the reference', () => {
      nb.manualSeed(35);
      const lstm = new nb.nn.LSTM(3, 8, { bidirectional: true });
      const runOn = (backend: 'cpu' | 'wasm'): Tensor[] =>
        on(backend, () => {
          lstm.zeroGrad();
          const x = nb.randn([4, 0, 3]).requiresGrad_();
          const [out, [h, c]] = lstm.forward(x);
          out.sum().add(h.sum()).add(c.sum()).backward();
          return [out, h, c, x.grad!, ...[...lstm.parameters()].map((p) => p.grad!)];
        });
      const want = runOn('cpu');
      runOn('wasm').forEach((t, i) => assert.deepEqual([t.shape, t.toTypedArray()], [want[i]!.shape, want[i]!.toTypedArray()], `output/gradient ${i}`));
    });

    test('second derivatives (createGraph) through the sequence', () => {
      nb.manualSeed(32);
      const lstm = new nb.nn.LSTM(3, 4);
      const x = nb.randn([5, 2, 3]);
      const weightHh = [...lstm.parameters()][1]!;
      const secondOrder = (backend: 'cpu' | 'wasm'): Tensor[] =>
        on(backend, () => {
          const [out] = lstm.forward(x);
          const [g] = nb.autogradGrad([out.square().sum()], [weightHh], { createGraph: true });
          return nb.autogradGrad([g!.square().sum()], [...lstm.parameters()]).map((t) => t!);
        });
      const want = secondOrder('cpu');
      secondOrder('wasm').forEach((t, i) => assertClose(t, want[i]!, `second-order gradient ${i}`, 1e-5));
    });
  });
});

test('lstmSequence rejects operands whose shapes do not fit together (the kernel would read past them)', () => {
  const x = nb.randn([3, 2, 5]);
  const wih = nb.randn([16, 5]);
  const h = nb.zeros([2, 4]);
  // W_hh [4H, P] as with a projection (P = 2): the sequence kernel has no projection.
  assert.throws(() => lstmSequence(x, wih, null, nb.randn([16, 2]), h, h, false), /lstmSequence: expected x \[T, B, I\], W_ih \[4H, I\], W_hh \[4H, H\], bias \[4H\] or null, h0 and c0 \[B, H\], got x \[3,2,5\], W_ih \[16,5\], W_hh \[16,2\]/);
  assert.throws(() => lstmSequence(x, wih, null, nb.randn([16, 4]), nb.zeros([3, 4]), h, false), /h0 \[3,4\]/);
  assert.throws(() => lstmSequence(x, nb.randn([16, 6]), null, nb.randn([16, 4]), h, h, false), /W_ih \[16,6\]/);
  assert.throws(() => lstmSequence(x, wih, nb.randn([12]), nb.randn([16, 4]), h, h, false), /bias \[12\]/);
  assert.ok(lstmSequence(x, wih, nb.randn([16]), nb.randn([16, 4]), h, h, false) !== null || !nb.getBackend().kernels.includes('lstmSequence'));
});
