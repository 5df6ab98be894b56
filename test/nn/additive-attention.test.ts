import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn } from '../../src/index.js';
import { caseInputs, checkCase, loadCase, type GoldenCase } from './recurrent-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface Case extends GoldenCase {
  inputKinds?: Record<string, nb.DType>;
}
const fixture = readFixture<{ cases: Case[] }>('seq2seq-attention.json');

function build(c: Case): nn.AdditiveAttention | nn.DotProductAttention {
  if (c.layer === 'AdditiveAttention') {
    const [q, k, h] = c.args as [number, number, number];
    return new nn.AdditiveAttention(q, k, h, c.options as nn.AdditiveAttentionOptions);
  }
  return new nn.DotProductAttention(c.options as nn.DotProductAttentionOptions);
}

describe('AdditiveAttention and DotProductAttention match torch expressions of the formulas', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const inputs = caseInputs(c, c.inputKinds ?? {});
      const layer = loadCase(build(c), c);
      const { context, weights } = layer.forward(inputs.query!, inputs.keys!, inputs.values ?? inputs.keys!, {
        keyPaddingMask: inputs.keyPaddingMask ?? null,
      });
      checkCase(layer, c, inputs, { context, weights });
    });
  }
});

describe('attention layers', () => {
  test('state-dict keys are PyTorch-style names of W, U and v', () => {
    assert.deepEqual(Object.keys(new nn.AdditiveAttention(4, 6, 7).stateDict()), ['query_proj.weight', 'key_proj.weight', 'key_proj.bias', 'v.weight']);
    assert.deepEqual(Object.keys(new nn.DotProductAttention({ score: 'general', queryDim: 4, keyDim: 6 }).stateDict()), ['key_proj.weight']);
    assert.deepEqual(Object.keys(new nn.DotProductAttention().stateDict()), []);
  });

  test('gradCheck through additive and general attention (float64)', () => {
    nb.manualSeed(3);
    const add = new nn.AdditiveAttention(3, 4, 5, { dtype: 'float64' });
    const mask = nb.tensor([[false, true, false], [false, false, false]]);
    const r = nb.gradCheck((q, k, v) => {
      const out = add.forward(q!, k!, v!, { keyPaddingMask: mask });
      return [out.context, out.weights];
    }, [nb.randn([2, 3], { dtype: 'float64' }), nb.randn([2, 3, 4], { dtype: 'float64' }), nb.randn([2, 3, 2], { dtype: 'float64' })]);
    assert.ok(r.passed, JSON.stringify(r.worst));
    const gen = new nn.DotProductAttention({ score: 'general', queryDim: 3, keyDim: 4, dtype: 'float64' });
    const r2 = nb.gradCheck((q, k) => gen.forward(q!, k!).context, [nb.randn([2, 2, 3], { dtype: 'float64' }), nb.randn([2, 3, 4], { dtype: 'float64' })]);
    assert.ok(r2.passed, JSON.stringify(r2.worst));
  });

  test('weights sum to one, masked positions get zero, projectedKeys gives the same result', () => {
    nb.manualSeed(1);
    const att = new nn.AdditiveAttention(3, 4, 5);
    const q = nb.randn([2, 3]);
    const k = nb.randn([2, 4, 4]);
    const mask = nb.tensor([[false, false, true, true], [false, false, false, false]]);
    const { weights, context } = att.forward(q, k, k, { keyPaddingMask: mask });
    assert.deepEqual(weights.shape, [2, 4]);
    assert.deepEqual(context.shape, [2, 4]);
    const w = weights.toArray() as number[][];
    assert.equal(w[0]![2], 0);
    assert.equal(w[0]![3], 0);
    for (const row of w) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    const again = att.forward(q, k, k, { keyPaddingMask: mask, projectedKeys: att.projectKeys(k) });
    assert.deepEqual(again.context.toArray(), context.toArray());
  });

  test('bad inputs are errors that name the layer', () => {
    const att = new nn.AdditiveAttention(3, 4, 5);
    assert.throws(() => att.forward(nb.zeros([2, 5]), nb.zeros([2, 4, 4])), /AdditiveAttention\(query 3, key 4, hidden 5\): query features must be 3/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4, 5])), /key features must be 4/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([3, 4, 4])), /query batch 2 differs from keys batch 3/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4])), /keys must be \[B, S, Dk\]/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4, 4]), nb.zeros([2, 3, 4])), /values must be \[B, S, Dv\]/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4, 4]), undefined, { keyPaddingMask: nb.zeros([2, 4]) }), /keyPaddingMask must be a bool/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4, 4]), undefined, { keyPaddingMask: nb.zeros([2, 3], { dtype: 'bool' }) }), /keyPaddingMask must be \[B, S\] = \[2, 4\]/);
    assert.throws(() => att.forward(nb.zeros([2, 3]), nb.zeros([2, 4, 4]), undefined, { mask: null } as never), /unknown option 'mask'/);
    assert.throws(() => new nn.AdditiveAttention(3, 0, 5), /keyDim must be a positive integer/);
    assert.throws(() => new nn.DotProductAttention({ score: 'additive' as never }), /DotProductAttention: option 'score' must be 'dot', 'general' or 'scaled'/);
    assert.throws(() => new nn.DotProductAttention({ score: 'general' }), /needs queryDim and keyDim/);
    assert.throws(() => new nn.DotProductAttention({ queryDim: 3, keyDim: 4 }), /needs queryDim = keyDim/);
    assert.throws(() => new nn.DotProductAttention().forward(nb.zeros([2, 3]), nb.zeros([2, 4, 4])), /query features 3 differ from key features 4/);
  });
});
