import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { nn } = nb;
const maxDiff = (a: nb.Tensor, b: nb.Tensor) => a.sub(b).abs().max().item();

test('RecurrentOutput in a Sequential: last step, whole sequence, bidirectional halves', () => {
  nb.manualSeed(0);
  const x = nb.randn([3, 5, 4]); // [N, T, F]
  const lstm = new nn.LSTM(4, 6, { batchFirst: true });
  const [out] = lstm.forward(x);
  const lastModel = new nn.Sequential(lstm, new nn.RecurrentOutput({ batchFirst: true }), new nn.Linear(6, 2));
  assert.deepEqual(lastModel.forward(x).shape, [3, 2]);
  assert.ok(maxDiff(new nn.RecurrentOutput({ batchFirst: true }).forward(lstm.forward(x)), out.select(1, -1)) < 1e-6);
  assert.ok(maxDiff(new nn.RecurrentOutput({ returnSequences: true }).forward(lstm.forward(x)), out) === 0);
  // Bidirectional: the forward half at the last step, the backward half at the first.
  const gru = new nn.GRU(4, 6, { batchFirst: true, bidirectional: true, numLayers: 2 });
  const [bo] = gru.forward(x);
  const want = nb.cat([bo.select(1, -1).narrow(1, 0, 6), bo.select(1, 0).narrow(1, 6, 6)], 1);
  assert.ok(maxDiff(new nn.RecurrentOutput({ batchFirst: true }).forward(gru.forward(x)), want) < 1e-6);
  // A bare output tensor: its last time step (time first by default).
  assert.ok(maxDiff(new nn.RecurrentOutput().forward(nb.arange(24).reshape([4, 2, 3]).float()), nb.arange(18, 24).reshape([2, 3]).float()) === 0);
  assert.throws(() => new nn.RecurrentOutput({ returnSequence: true } as never), /did you mean 'returnSequences'/);
  assert.throws(() => new nn.RecurrentOutput().forward(nb.zeros([2, 3])), /expected a recurrent layer's output/);
});

test('TimeDistributed applies the module to every step', () => {
  nb.manualSeed(1);
  const conv = new nn.Conv2d(1, 2, 3);
  const td = new nn.TimeDistributed(conv);
  const frames = nb.randn([2, 3, 1, 5, 5]);
  const y = td.forward(frames);
  assert.deepEqual(y.shape, [2, 3, 2, 3, 3]);
  assert.ok(maxDiff(y.select(1, 2), conv.forward(frames.select(1, 2))) < 1e-6);
  assert.deepEqual(Object.keys(td.stateDict()).sort(), ['module.bias', 'module.weight']);
  assert.throws(() => td.forward(nb.zeros([2, 3])), /expected input \[N, T, \.\.\.\]/);
  for (const junk of [undefined, {}, 3, 'conv']) assert.throws(() => new nn.TimeDistributed(junk as never), /^Error: TimeDistributed: expected a module/);
  assert.throws(() => new (nn.TimeDistributed as unknown as new (...a: unknown[]) => unknown)(conv, {}), /TimeDistributed/);
});
