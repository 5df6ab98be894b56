import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn } from '../../src/index.js';
import { assertClose, caseInputs, checkCase, loadCase, stateDictShapes, type GoldenCase, type TensorJson } from './recurrent-golden.js';
import { readFixture } from '../helpers/fixtures.js';

interface TransformerCase extends GoldenCase {
  inputKinds?: Record<string, nb.DType>;
}
interface TransformerFixture {
  cases: TransformerCase[];
  positional: Record<string, TensorJson>;
  stateDicts: Record<string, [string, number[]][]>;
}
const fixture = readFixture<TransformerFixture>('rnn-transformer.json');

function build(c: TransformerCase): nn.Module {
  const options = c.options as nn.TransformerLayerOptions & nn.TransformerOptions;
  const [dModel, nhead, numLayers] = c.args as [number, number, number];
  switch (c.layer) {
    case 'TransformerEncoderLayer':
      return new nn.TransformerEncoderLayer(dModel, nhead, options);
    case 'TransformerDecoderLayer':
      return new nn.TransformerDecoderLayer(dModel, nhead, options);
    case 'TransformerEncoder':
      return new nn.TransformerEncoder(new nn.TransformerEncoderLayer(dModel, nhead, options), numLayers, { norm: new nn.LayerNorm(dModel) });
    case 'TransformerDecoder':
      return new nn.TransformerDecoder(new nn.TransformerDecoderLayer(dModel, nhead, options), numLayers);
    default:
      return new nn.Transformer(options);
  }
}

describe('transformer layers match PyTorch (eval mode)', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const module = loadCase(build(c), c).eval();
      const i = caseInputs(c, c.inputKinds ?? {});
      let output: nb.Tensor;
      if (module instanceof nn.TransformerEncoderLayer) {
        output = module.forward(i.src!, { srcMask: i.srcMask ?? null, srcKeyPaddingMask: i.srcKeyPaddingMask ?? null });
      } else if (module instanceof nn.TransformerEncoder) {
        output = module.forward(i.src!, { srcKeyPaddingMask: i.srcKeyPaddingMask ?? null });
      } else if (module instanceof nn.TransformerDecoderLayer || module instanceof nn.TransformerDecoder) {
        output = module.forward(i.tgt!, i.memory!, {
          tgtMask: i.tgtMask ?? null,
          memoryMask: i.memoryMask ?? null,
          tgtKeyPaddingMask: i.tgtKeyPaddingMask ?? null,
          memoryKeyPaddingMask: i.memoryKeyPaddingMask ?? null,
        });
      } else {
        output = (module as nn.Transformer).forward(i.src!, i.tgt!, {
          tgtMask: i.tgtMask!,
          srcKeyPaddingMask: i.srcKeyPaddingMask!,
          memoryKeyPaddingMask: i.srcKeyPaddingMask!,
        });
      }
      checkCase(module, c, i, { output });
    });
  }
});

describe('transformer state dicts equal PyTorch', () => {
  const modules: Record<string, nn.Module> = {
    'TransformerEncoderLayer(8, 2, dff 16)': new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
    'TransformerDecoderLayer(8, 2, dff 16)': new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }),
    'Transformer(8, 2, 2 + 1 layers, dff 16)': new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 }),
  };
  for (const [name, module] of Object.entries(modules)) {
    test(name, () => assert.deepEqual(stateDictShapes(module), fixture.stateDicts[name]));
  }

  test('encoder and decoder stacks start as copies of one layer (as deepcopy), not shared weights', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const encoder = new nn.TransformerEncoder(layer, 3);
    const [a, b] = encoder.layers;
    assert.deepEqual(a!.linear1.weight.toArray(), layer.linear1.weight.toArray());
    assert.deepEqual(b!.linear1.weight.toArray(), layer.linear1.weight.toArray());
    assert.notEqual(a!.linear1.weight, b!.linear1.weight);
    assert.equal(encoder.numParameters(), 3 * layer.numParameters());
    const frozen = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }).double().eval();
    frozen.norm1.requiresGrad_(false);
    const copy = new nn.TransformerDecoder(frozen, 1).layers[0]!;
    assert.equal(copy.linear1.weight.dtype, 'float64');
    assert.deepEqual(copy.linear1.weight.toArray(), frozen.linear1.weight.toArray());
    assert.equal(copy.norm1.weight!.requiresGrad, false);
    assert.equal(copy.training, false);
  });

  test('Transformer re-initializes every matrix Xavier-uniform and uses PyTorch defaults', () => {
    nb.manualSeed(12);
    const model = new nn.Transformer({ dModel: 16, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 64 });
    const w = model.encoder.layers[0]!.linear1.weight;
    const bound = Math.sqrt(6 / (16 + 64));
    const max = w.abs().max().item();
    assert.ok(max <= bound && max > 0.9 * bound);
    const defaults = new nn.TransformerEncoderLayer(16, 2);
    assert.deepEqual(defaults.linear1.weight.shape, [2048, 16]);
    assert.equal(defaults.dropout.p, 0.1);
  });
});

describe('transformer behaviour', () => {
  test('isCausal equals the square subsequent mask, and dropout is off in eval mode', () => {
    nb.manualSeed(13);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const x = nb.randn([2, 4, 8]);
    layer.eval();
    const a = layer.forward(x, { isCausal: true });
    const b = layer.forward(x, { srcMask: nn.Transformer.generateSquareSubsequentMask(4) });
    assert.deepEqual(a.toArray(), b.toArray());
    layer.train();
    assert.notDeepEqual(layer.forward(x, { isCausal: true }).toArray(), a.toArray());
  });

  test('a causal decoder output at step t does not depend on later target steps', () => {
    nb.manualSeed(14);
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16 }).eval();
    const src = nb.randn([5, 1, 8]);
    const tgt = nb.randn([4, 1, 8]);
    const changed = nb.cat([tgt.narrow(0, 0, 2), nb.randn([2, 1, 8])]);
    const mask = nn.Transformer.generateSquareSubsequentMask(4);
    const a = model.forward(src, tgt, { tgtMask: mask }).narrow(0, 0, 2).toTypedArray();
    const b = model.forward(src, changed, { tgtMask: mask }).narrow(0, 0, 2).toTypedArray();
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5));
  });

  test('float64 gradCheck: a small norm-first encoder layer and decoder layer', () => {
    nb.manualSeed(15);
    const enc = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, normFirst: true, activation: 'gelu' }).double().eval();
    const dec = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6 }).double().eval();
    const src = nb.randn([3, 2, 4], { dtype: 'float64' });
    const tgt = nb.randn([2, 2, 4], { dtype: 'float64' });
    const r1 = nb.gradCheck((x) => enc.forward(x!, { isCausal: true }), [src]);
    assert.ok(r1.passed, `encoder: ${r1.relativeError}`);
    const r2 = nb.gradCheck((t, m) => dec.forward(t!, m!, { tgtIsCausal: true }), [tgt, src]);
    assert.ok(r2.passed, `decoder: ${r2.relativeError}`);
  });
});

describe('positional encoding', () => {
  test('the table matches the PyTorch tutorial formula (even and odd dModel)', () => {
    assertClose(new nn.PositionalEncoding(6, { maxLen: 8, dtype: 'float64' }).getBuffer('pe'), fixture.positional['8x6']!, 'float64', 'pe 8x6');
    assertClose(new nn.PositionalEncoding(7, { maxLen: 50, dtype: 'float64' }).getBuffer('pe'), fixture.positional['50x7']!, 'float64', 'pe 50x7');
  });

  test('adds the table per time step, in both layouts; the buffer is in the state dict', () => {
    const pe = new nn.PositionalEncoding(4, { maxLen: 10, dropout: 0 });
    const x = nb.zeros([3, 2, 4]);
    const out = pe.forward(x);
    const table = nn.sinusoidalTable(3, 4);
    assert.deepEqual(out.select(1, 1).toArray(), table.toArray());
    const first = new nn.PositionalEncoding(4, { maxLen: 10, dropout: 0, batchFirst: true });
    assert.deepEqual(first.forward(nb.zeros([2, 3, 4])).select(0, 1).toArray(), table.toArray());
    assert.deepEqual(stateDictShapes(pe), [['pe', [10, 1, 4]]]);
    assert.equal(pe.numParameters(), 0);
  });

  test('errors: wrong width and too long sequences', () => {
    const pe = new nn.PositionalEncoding(4, { maxLen: 3 });
    assert.throws(() => pe.forward(nb.zeros([2, 1, 5])), /PositionalEncoding\(dModel 4\) expects input \[T, B, 4\], got \[2, 1, 5\]/);
    assert.throws(() => pe.forward(nb.zeros([4, 1, 4])), /the sequence has 4 steps but the table covers maxLen 3/);
  });
});

describe('transformer errors', () => {
  test('bad sizes name the layer', () => {
    assert.throws(() => new nn.TransformerEncoderLayer(10, 3), /TransformerEncoderLayer: dModel 10 must be divisible by nhead 3/);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    assert.throws(() => layer.forward(nb.zeros([4, 2, 6])), /TransformerEncoderLayer\(dModel 8, nhead 2\) got src with 6 features in its last dim; expected dModel 8/);
    assert.throws(() => layer.forward(nb.zeros([4, 2, 8]), { srcMask: nb.zeros([3, 3]) }), /a 2-D attnMask must have shape \[4, 4\], got \[3, 3\]/);
    const model = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
    assert.throws(() => model.forward(nb.zeros([4, 2, 8]), nb.zeros([3, 3, 8])), /src \[4, 2, 8\] and tgt \[3, 3, 8\] must have the same rank and batch size/);
    assert.throws(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' }), /option 'activation' must be 'relu' or 'gelu' or a function, got string 'tanh'/);
  });
});
