import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, F } from '../../src/index.js';
import { caseInputs, checkCase, loadCase, stateDictShapes, type GoldenCase } from './recurrent-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface RecurrentFixture {
  cases: GoldenCase[];
  stateDicts: Record<string, [string, number[]][]>;
}
const fixture = readFixture<RecurrentFixture>('rnn-recurrent.json');

type AnyRecurrent = nn.RNN | nn.LSTM | nn.GRU;

function buildSequenceLayer(c: GoldenCase): AnyRecurrent {
  const [inputSize, hiddenSize] = c.args as [number, number];
  const options = c.options as nn.RNNOptions;
  if (c.layer === 'LSTM') return new nn.LSTM(inputSize, hiddenSize, options);
  if (c.layer === 'GRU') return new nn.GRU(inputSize, hiddenSize, options);
  return new nn.RNN(inputSize, hiddenSize, options);
}

describe('recurrent layers match PyTorch', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const inputs = caseInputs(c);
      if (c.layer.endsWith('Cell')) {
        const [inputSize, hiddenSize] = c.args as [number, number];
        if (c.layer === 'LSTMCell') {
          const cell = loadCase(new nn.LSTMCell(inputSize, hiddenSize, c.options), c);
          const state = inputs.h0 ? ([inputs.h0, inputs.c0!] as [nb.Tensor, nb.Tensor]) : null;
          const [h, cs] = cell.forward(inputs.input!, state);
          checkCase(cell, c, inputs, { hN: h, cN: cs });
        } else {
          const cell =
            c.layer === 'GRUCell'
              ? loadCase(new nn.GRUCell(inputSize, hiddenSize, c.options), c)
              : loadCase(new nn.RNNCell(inputSize, hiddenSize, c.options as nn.RNNCellOptions), c);
          checkCase(cell, c, inputs, { hN: cell.forward(inputs.input!, inputs.h0 ?? null) });
        }
        return;
      }
      const layer = loadCase(buildSequenceLayer(c), c);
      const options = c.lengths ? { lengths: c.lengths } : {};
      if (layer instanceof nn.LSTM) {
        const state = inputs.h0 ? ([inputs.h0, inputs.c0!] as [nb.Tensor, nb.Tensor]) : null;
        const [output, [hN, cN]] = layer.forward(inputs.input!, state, options);
        checkCase(layer, c, inputs, { output, hN, cN });
      } else {
        const [output, hN] = layer.forward(inputs.input!, inputs.h0 ?? null, options);
        checkCase(layer, c, inputs, { output, hN });
      }
    });
  }
});

describe('recurrent state dicts equal PyTorch', () => {
  const layers: Record<string, nb.nn.Module> = {
    'LSTM(10, 20, numLayers 2, bidirectional)': new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true }),
    'GRU(10, 20, numLayers 2, bidirectional, no bias)': new nn.GRU(10, 20, { numLayers: 2, bidirectional: true, bias: false }),
    'RNN(10, 20, numLayers 3)': new nn.RNN(10, 20, { numLayers: 3 }),
    'LSTMCell(10, 20)': new nn.LSTMCell(10, 20),
    'GRUCell(10, 20)': new nn.GRUCell(10, 20),
    'RNNCell(10, 20, no bias)': new nn.RNNCell(10, 20, { bias: false }),
    'LSTM(10, 20, numLayers 2, bidirectional, projSize 5)': new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true, projSize: 5 }),
    'LSTM(10, 20, projSize 5, no bias)': new nn.LSTM(10, 20, { projSize: 5, bias: false }),
  };
  for (const [name, module] of Object.entries(layers)) {
    test(name, () => assert.deepEqual(stateDictShapes(module), fixture.stateDicts[name]));
  }

  test('default init is U(-1/sqrt(hidden), 1/sqrt(hidden)) for every weight and bias', () => {
    nb.manualSeed(3);
    const lstm = new nn.LSTM(30, 16, { numLayers: 2, bidirectional: true, projSize: 8 });
    assert.ok([...lstm.namedParameters()].some(([name]) => name === 'weight_hr_l1_reverse'));
    const bound = 1 / 4;
    for (const [name, p] of lstm.namedParameters()) {
      const max = p.abs().max().item();
      assert.ok(max <= bound && max > 0.9 * bound, `${name}: max |w| = ${max}, bound ${bound}`);
    }
  });

  test('parameters round-trip through stateDict and toString reads like PyTorch', () => {
    const a = new nn.GRU(3, 5, { numLayers: 2, batchFirst: true, dropout: 0.2 });
    const b = new nn.GRU(3, 5, { numLayers: 2, batchFirst: true, dropout: 0.2 });
    b.loadStateDict(a.stateDict());
    const x = nb.randn([2, 4, 3]);
    a.eval();
    b.eval();
    assert.deepEqual(b.forward(x)[0].toArray(), a.forward(x)[0].toArray());
    assert.equal(a.toString(), 'GRU(3, 5, numLayers=2, batchFirst=true, dropout=0.2)');
  });
});

describe('variable-length batches', () => {
  test('each sequence of a padded batch gives what it gives alone, for every layer type and paddingMask', () => {
    nb.manualSeed(7);
    const lengths = [4, 1, 3];
    for (const layer of [
      new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
      new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, projSize: 3 }),
      new nn.GRU(3, 4, { bidirectional: true, batchFirst: true }),
      new nn.RNN(3, 4, { nonlinearity: 'relu', batchFirst: true }),
    ]) {
      layer.to('float64');
      const x = nb.randn([3, 4, 3], { dtype: 'float64' });
      const paddingMask = nb.tensor(lengths.map((l) => [0, 1, 2, 3].map((t) => t >= l)), { dtype: 'bool' });
      const runs = [layer.forward(x, null, { lengths }), layer.forward(x, null, { paddingMask }), layer.forward(x, null, { lengths: nb.tensor(lengths, { dtype: 'int32' }) })];
      const finalState = (r: (typeof runs)[number]): nb.Tensor => (Array.isArray(r[1]) ? r[1][0] : r[1]);
      for (const r of runs.slice(1)) {
        assert.deepEqual(r[0].toArray(), runs[0]![0].toArray());
        assert.deepEqual(finalState(r).toArray(), finalState(runs[0]!).toArray());
      }
      const [output, state] = runs[0]!;
      lengths.forEach((len, b) => {
        const alone = layer.forward(x.narrow(0, b, 1).narrow(1, 0, len));
        const expected = alone[0].toTypedArray();
        const got = output.narrow(0, b, 1).narrow(1, 0, len).toTypedArray();
        got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `${layer.constructor.name} sequence ${b} output`));
        if (len < 4) assert.ok(output.narrow(0, b, 1).narrow(1, len, 4 - len).abs().sum().item() === 0, 'padded outputs are zero');
        const hAlone = (Array.isArray(alone[1]) ? alone[1][0] : alone[1]).toTypedArray();
        const hGot = (Array.isArray(state) ? state[0] : state).narrow(1, b, 1).toTypedArray();
        hGot.forEach((v, i) => assert.ok(Math.abs(v - hAlone[i]!) < 1e-12, `${layer.constructor.name} sequence ${b} final state`));
      });
    }
  });

  test('padded steps get no gradient', () => {
    const lstm = new nn.LSTM(2, 3, { bidirectional: true });
    const x = nb.randn([5, 2, 2]).requiresGrad_();
    const [out, [h]] = lstm.forward(x, null, { lengths: [5, 2] });
    out.sum().add(h.sum()).backward();
    assert.equal(x.grad!.narrow(0, 2, 3).narrow(1, 1, 1).abs().sum().item(), 0);
    assert.ok(x.grad!.narrow(0, 0, 2).narrow(1, 1, 1).abs().sum().item() > 0);
  });
});

describe('recurrent behaviour', () => {
  test('dropout between layers acts only in training mode', () => {
    nb.manualSeed(11);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2, dropout: 1 });
    const x = nb.randn([5, 2, 3]);
    // With p = 1 the second layer sees zeros, so its output is that of layer 1 weights on a zero input.
    const second = new nn.LSTM(4, 4);
    const dict = lstm.stateDict();
    second.loadStateDict({
      weight_ih_l0: dict.weight_ih_l1!,
      weight_hh_l0: dict.weight_hh_l1!,
      bias_ih_l0: dict.bias_ih_l1!,
      bias_hh_l0: dict.bias_hh_l1!,
    });
    const [trainOut] = lstm.forward(x);
    assert.deepEqual(trainOut.toArray(), second.forward(nb.zeros([5, 2, 4]))[0].toArray());
    lstm.eval();
    const [a] = lstm.forward(x);
    const [b] = lstm.forward(x);
    assert.deepEqual(a.toArray(), b.toArray());
    assert.notDeepEqual(a.toArray(), trainOut.toArray());
  });

  test('batchFirst only transposes the input and output', () => {
    nb.manualSeed(5);
    const a = new nn.GRU(3, 4, { numLayers: 2 });
    const b = new nn.GRU(3, 4, { numLayers: 2, batchFirst: true });
    b.loadStateDict(a.stateDict());
    const x = nb.randn([6, 2, 3]);
    const [outA, hA] = a.forward(x);
    const [outB, hB] = b.forward(x.transpose(0, 1));
    assert.deepEqual(outB.transpose(0, 1).toArray(), outA.toArray());
    assert.deepEqual(hB.toArray(), hA.toArray());
  });

  test('the functional API runs the same network from plain weight tensors', () => {
    const lstm = new nn.LSTM(3, 4, { bidirectional: true });
    const x = nb.randn([4, 2, 3]);
    const [out, [h, c]] = F.lstm(x, null, lstm.layerWeights(), { bidirectional: true });
    const [expected, [eh, ec]] = lstm.forward(x);
    assert.deepEqual(out.toArray(), expected.toArray());
    assert.deepEqual(h.toArray(), eh.toArray());
    assert.deepEqual(c.toArray(), ec.toArray());
  });

  test('float64 gradCheck: cells', () => {
    nb.manualSeed(1);
    const x = nb.randn([2, 3], { dtype: 'float64' });
    const h = nb.randn([2, 4], { dtype: 'float64' });
    const c = nb.randn([2, 4], { dtype: 'float64' });
    const lstm = new nn.LSTMCell(3, 4).double();
    const gru = new nn.GRUCell(3, 4).double();
    const rnn = new nn.RNNCell(3, 4, { nonlinearity: 'tanh' }).double();
    const w = (cell: nn.LSTMCell | nn.GRUCell | nn.RNNCell): nb.Tensor[] => [cell.weightIh, cell.weightHh, cell.biasIh!, cell.biasHh!];
    const weights = (ts: nb.Tensor[]): F.RecurrentWeights => ({ weightIh: ts[0]!, weightHh: ts[1]!, biasIh: ts[2]!, biasHh: ts[3]! });
    const checks = [
      nb.gradCheck((xi, hi, ci, ...ws) => F.lstmCell(xi!, [hi!, ci!], weights(ws)), [x, h, c, ...w(lstm)]),
      nb.gradCheck((xi, hi, ...ws) => F.gruCell(xi!, hi!, weights(ws)), [x, h, ...w(gru)]),
      nb.gradCheck((xi, hi, ...ws) => F.rnnCell(xi!, hi!, weights(ws)), [x, h, ...w(rnn)]),
    ];
    checks.forEach((r, i) => assert.ok(r.passed, `cell ${i}: relative error ${r.relativeError}`));
  });

  test('second derivatives: gradCheck of the gradient with respect to W_hh', () => {
    nb.manualSeed(6);
    const x = nb.randn([3, 2, 2], { dtype: 'float64' });
    const cell = new nn.RNN(2, 2).double();
    const [wIh, wHh, bIh, bHh] = [...cell.parameters()];
    // gradCheck evaluates the function without grad for its numerical part, so turn it back on here.
    const firstOrder = (xi: nb.Tensor, whh: nb.Tensor): nb.Tensor =>
      nb.enableGrad(() => {
        const w = whh.requiresGrad ? whh : whh.detach().requiresGrad_();
        const [out, h] = F.rnn(xi, null, [{ weightIh: wIh!, weightHh: w, biasIh: bIh!, biasHh: bHh! }]);
        const [g] = nb.autogradGrad([out.square().sum().add(h.sum())], [w], { createGraph: true });
        return g!;
      });
    const r = nb.gradCheck(firstOrder, [x, wHh!]);
    assert.ok(r.passed, `relative error ${r.relativeError}`);
  });

  test('float64 gradCheck: 2-layer bidirectional LSTM and GRU with lengths', () => {
    nb.manualSeed(2);
    const x = nb.randn([2, 2, 2], { dtype: 'float64' });
    for (const layer of [new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true }), new nn.GRU(2, 2, { numLayers: 2, bidirectional: true })]) {
      layer.double();
      const names = [...layer.namedParameters()].map(([n]) => n);
      const fn = (xi: nb.Tensor, ...ps: nb.Tensor[]): nb.Tensor => {
        const weights = layer.layerWeights().map((_, i) => {
          const base = i * 4;
          return { weightIh: ps[base]!, weightHh: ps[base + 1]!, biasIh: ps[base + 2]!, biasHh: ps[base + 3]! };
        });
        const r = F.recurrent(xi, null, weights, { mode: layer instanceof nn.LSTM ? 'lstm' : 'gru', bidirectional: true, lengths: [2, 1] });
        return nb.cat([r.output.flatten(), r.hN.flatten()]);
      };
      const params = names.map((n) => layer.getParameter(n));
      const r = nb.gradCheck(fn, [x, ...params]);
      assert.ok(r.passed, `${layer.constructor.name}: relative error ${r.relativeError}`);
    }
  });
});

describe('LSTM with projections (projSize)', () => {
  test('float64 gradCheck: 2-layer bidirectional with lengths and an initial state, through weight_hr', () => {
    nb.manualSeed(21);
    const layer = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2 }).double();
    const names = [...layer.namedParameters()].map(([n]) => n);
    const perDirection = 5; // weight_ih, weight_hh, bias_ih, bias_hh, weight_hr
    const fn = (xi: nb.Tensor, h0: nb.Tensor, c0: nb.Tensor, ...ps: nb.Tensor[]): nb.Tensor => {
      const weights = layer.layerWeights().map((_, i) => {
        const [weightIh, weightHh, biasIh, biasHh, weightHr] = ps.slice(i * perDirection, (i + 1) * perDirection);
        return { weightIh: weightIh!, weightHh: weightHh!, biasIh: biasIh!, biasHh: biasHh!, weightHr: weightHr! };
      });
      const r = F.recurrent(xi, [h0, c0], weights, { mode: 'lstm', bidirectional: true, lengths: [3, 1] });
      return nb.cat([r.output.flatten(), r.hN.flatten(), r.cN!.flatten()]);
    };
    const x = nb.randn([3, 2, 2], { dtype: 'float64' });
    const h0 = nb.randn([4, 2, 2], { dtype: 'float64' });
    const c0 = nb.randn([4, 2, 3], { dtype: 'float64' });
    const r = nb.gradCheck(fn, [x, h0, c0, ...names.map((n) => layer.getParameter(n))]);
    assert.ok(r.passed, `relative error ${r.relativeError}`);
  });

  test('shapes: output D*projSize, hN [L*D, B, projSize], cN [L*D, B, hiddenSize]; toString', () => {
    const lstm = new nn.LSTM(6, 8, { numLayers: 2, bidirectional: true, projSize: 4, batchFirst: true });
    const [out, [h, c]] = lstm.forward(nb.randn([3, 5, 6]));
    assert.deepEqual([out.shape, h.shape, c.shape], [[3, 5, 8], [4, 3, 4], [4, 3, 8]]);
    assert.deepEqual(lstm.getParameter('weight_ih_l1').shape, [32, 8]);
    assert.deepEqual(lstm.getParameter('weight_hh_l1').shape, [32, 4]);
    assert.equal(lstm.toString(), 'LSTM(6, 8, numLayers=2, batchFirst=true, bidirectional=true, projSize=4)');
    assert.equal(new nn.LSTM(6, 8, { projSize: 0 }).getParameter('weight_hh_l0').shape[1], 8);
  });

  test('errors: projSize >= hiddenSize, not an integer, on GRU or RNN; states of the wrong size', () => {
    assert.throws(() => new nn.LSTM(8, 16, { projSize: 16 }), { message: 'LSTM: projSize (16) must be smaller than hiddenSize (16)' });
    assert.throws(() => new nn.LSTM(8, 16, { projSize: 20 }), /LSTM: projSize \(20\) must be smaller than hiddenSize \(16\)/);
    assert.throws(() => new nn.LSTM(8, 16, { projSize: -1 }), /LSTM: projSize must be a non-negative integer \(0 = no projection\), got -1/);
    assert.throws(() => new nn.LSTM(8, 16, { projSize: 2.5 }), /LSTM: option 'projSize' must be an integer, got number 2.5/);
    assert.throws(() => new nn.LSTM(8, 16, { projSize: '4' as unknown as number }), /LSTM: option 'projSize' must be an integer, got string '4'/);
    assert.throws(() => new nn.GRU(8, 16, { projSize: 4 } as nn.RNNBaseOptions), /unknown option 'projSize' for GRU; valid options/);
    assert.throws(() => new nn.RNN(8, 16, { projSize: 4 } as nn.RNNOptions), /unknown option 'projSize' for RNN; valid options/);
    const lstm = new nn.LSTM(3, 4, { projSize: 2 });
    assert.throws(() => lstm.forward(nb.zeros([5, 2, 3]), [nb.zeros([1, 2, 4]), nb.zeros([1, 2, 4])]),
      { message: 'LSTM(input 3, hidden 4, proj 2): expected h0 of shape [1, 2, 2], got [1, 2, 4]' });
    assert.throws(() => lstm.forward(nb.zeros([5, 2, 3]), [nb.zeros([1, 2, 2]), nb.zeros([1, 2, 2])]), /expected c0 of shape \[1, 2, 4\], got \[1, 2, 2\]/);
    const weights = lstm.layerWeights();
    assert.throws(() => F.gru(nb.zeros([5, 2, 3]), null, [{ ...weights[0]!, weightIh: nb.zeros([12, 3]), weightHh: nb.zeros([12, 2]), biasIh: null, biasHh: null }]),
      /gru: weight_hr_l0 \(projections\) is only supported for LSTM/);
    const twoLayers = new nn.LSTM(3, 4, { numLayers: 2, projSize: 2 }).layerWeights();
    assert.throws(() => F.lstm(nb.zeros([5, 2, 3]), null, [twoLayers[0]!, { ...twoLayers[1]!, weightHr: null }]),
      /lstm: weight_hr_l1 must be given for every layer and direction or for none/);
    assert.throws(() => F.lstmCell(nb.zeros([2, 3]), null, weights[0]!), /lstmCell: a cell has no projection \(weight_hr\)/);
  });
});

describe('recurrent errors', () => {
  test('wrong feature count names the layer and the sizes', () => {
    const lstm = new nn.LSTM(64, 128);
    assert.throws(() => lstm.forward(nb.zeros([5, 2, 32])), { message: /^LSTM\(input 64, hidden 128\) got input with 32 features in its last dim/ });
    const cell = new nn.GRUCell(4, 3);
    assert.throws(() => cell.forward(nb.zeros([2, 5])), /GRUCell\(input 4, hidden 3\) got input with 5 features/);
  });

  test('wrong rank, state shapes, lengths and masks', () => {
    const gru = new nn.GRU(3, 4, { numLayers: 2, batchFirst: true });
    assert.throws(() => gru.forward(nb.zeros([1, 2, 5, 3])), /GRU\(input 3, hidden 4\) expects input of rank 3 .* got shape \[1, 2, 5, 3\]/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3]), nb.zeros([1, 2, 4])), /expected h0 of shape \[2, 2, 4\], got \[1, 2, 4\]/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3]), null, { lengths: [5] }), /got 1 lengths for a batch of 2 sequences/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3]), null, { lengths: [5, 6] }), /between 0 and the sequence length 5, got 6/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3]), null, { paddingMask: nb.zeros([5, 2], { dtype: 'bool' }) }), /paddingMask must have shape \[2, 5\]/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3], { dtype: 'int32' })), /need floating-point input/);
    assert.throws(() => gru.forward(nb.zeros([2, 5, 3], { dtype: 'float64' })), /dtype float64 but its weights are float32/);
    const lstm = new nn.LSTM(3, 4);
    assert.throws(() => lstm.forward(nb.zeros([5, 2, 3]), [nb.zeros([1, 2, 4]), nb.zeros([1, 2, 5])]), /expected c0 of shape \[1, 2, 4\], got \[1, 2, 5\]/);
  });

  test('bad options', () => {
    assert.throws(() => new nn.LSTM(3, 0), /LSTM: hiddenSize must be a positive integer, got 0/);
    assert.throws(() => new nn.GRU(3, 4, { dropout: 1.5 }), /GRU: option 'dropout' must be a number in \[0, 1\], got number 1.5/);
    assert.throws(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' }), /RNN: option 'nonlinearity' must be 'tanh' or 'relu', got string 'sigmoid'/);
  });
});
