/**
 * Junk arguments never give a value: for every op-table entry and every nn layer constructor,
 * fast-check replaces an argument or option with junk (objects with random keys, strings, NaN,
 * arrays of non-numbers) or appends an extra argument, and the call must throw an Error that
 * names the function (docs/conventions.md).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as nb from '../../src/index.js';
import { opTable } from '../../src/ops/index.js';
import { buildInput, sampleValues } from '../helpers/samples.js';

/** A value no argument or option accepts. Keys and strings carry a prefix no option name or mode has. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 6 }).map((k) => `zz${k}`), fc.oneof(fc.integer(), fc.string()), { minKeys: 1, maxKeys: 3 }),
  fc.string({ maxLength: 8 }).map((s) => `zz${s}`),
  fc.constant(Number.NaN),
  fc.array(fc.oneof(fc.string().map((s) => `zz${s}`), fc.constant({})), { minLength: 1, maxLength: 3 }),
  fc.constant(Symbol('junk')),
  fc.constant(() => 0),
);

/** "fn: ..." or "unknown option 'k' for fn; ..." (fn possibly dotted: F.conv2d, or a layer description). */
const NAMED = /^(unknown option '.*' for [\w.]+;|[\w.]+(\(.*?\))?: )/s;

function throwsNamed(call: () => unknown, what: string): void {
  let result: unknown;
  try {
    result = call();
  } catch (e) {
    assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
    assert.match(e.message, NAMED, `${what}: the message does not name the function: ${e.message}`);
    return;
  }
  assert.fail(`${what}: returned ${result instanceof nb.Tensor ? `a tensor of shape [${result.shape.join(', ')}]` : typeof result} instead of throwing`);
}

const RUNS = { numRuns: 4, seed: 10 };

describe('op table: junk in any argument throws a named error', () => {
  for (const entry of opTable) {
    entry.samples.forEach((s, k) => {
      const inputs = (): nb.Tensor[] => s.inputs.map((spec, i) => buildInput(sampleValues(spec, `${entry.name}/${k}/${i}`), 'float64', false));
      const attrs = s.attrs as Record<string, unknown>;
      test(`${entry.name} #${k}`, () => {
        fc.assert(
          fc.property(junk, fc.nat(), (j, pick) => {
            const keys = Object.keys(attrs).filter((key) => attrs[key] !== null);
            if (keys.length > 0) {
              const key = keys[pick % keys.length]!;
              throwsNamed(() => entry.run(inputs(), { ...attrs, [key]: j }), `${entry.name} with attr ${key} = ${String(j)}`);
            }
            // NaN is a number operand like any other (x + NaN is NaN), so not junk for a tensor argument.
            if (Number.isNaN(j)) return;
            const xs = inputs();
            const i = pick % xs.length;
            xs[i] = j as nb.Tensor;
            throwsNamed(() => entry.run(xs, attrs), `${entry.name} with input ${i} = ${String(j)}`);
          }),
          RUNS,
        );
      });
    });
  }
});

/** The public calls of the calling convention (docs/conventions.md) with valid arguments; one more must be rejected. */
const x = (): nb.Tensor => nb.randn([2, 3, 4]);
const image = (): nb.Tensor => nb.randn([1, 2, 5, 5]);
const CALLS: [string, (...extra: unknown[]) => unknown][] = [
  ...(['sum', 'mean', 'prod', 'amax', 'amin', 'logsumexp', 'all', 'any', 'var', 'std'] as const).map(
    (name): [string, (...extra: unknown[]) => unknown] => [name, (...e) => (nb[name] as (...a: unknown[]) => unknown)(x(), 1, true, ...e)],
  ),
  ['max', (...e) => (nb.max as (...a: unknown[]) => unknown)(x(), 1, true, ...e)],
  ['min', (...e) => (nb.min as (...a: unknown[]) => unknown)(x(), 1, { keepdim: true }, ...e)],
  ['argmax', (...e) => (nb.argmax as (...a: unknown[]) => unknown)(x(), 1, true, ...e)],
  ['argmin', (...e) => (nb.argmin as (...a: unknown[]) => unknown)(x(), { dim: 1 }, ...e)],
  ['norm', (...e) => (nb.norm as (...a: unknown[]) => unknown)(x(), 2, 1, true, ...e)],
  ['cat', (...e) => (nb.cat as (...a: unknown[]) => unknown)([x(), x()], 1, ...e)],
  ['stack', (...e) => (nb.stack as (...a: unknown[]) => unknown)([x(), x()], { dim: 1 }, ...e)],
  ['tril', (...e) => (nb.tril as (...a: unknown[]) => unknown)(x(), 1, ...e)],
  ['triu', (...e) => (nb.triu as (...a: unknown[]) => unknown)(x(), { diagonal: -1 }, ...e)],
  ['topk', (...e) => (nb.topk as (...a: unknown[]) => unknown)(x(), 2, -1, true, true, ...e)],
  ['sort', (...e) => (nb.sort as (...a: unknown[]) => unknown)(x(), 1, true, ...e)],
  ['argsort', (...e) => (nb.argsort as (...a: unknown[]) => unknown)(x(), { dim: 1 }, ...e)],
  ['clamp', (...e) => (nb.clamp as (...a: unknown[]) => unknown)(x(), -1, 1, ...e)],
  ['add', (...e) => (nb.add as (...a: unknown[]) => unknown)(x(), x(), { alpha: 2 }, ...e)],
  ['sub', (...e) => (nb.sub as (...a: unknown[]) => unknown)(x(), x(), 2, ...e)],
  ['div', (...e) => (nb.div as (...a: unknown[]) => unknown)(x(), 2, 'trunc', ...e)],
  ['mul', (...e) => (nb.mul as (...a: unknown[]) => unknown)(x(), 2, ...e)],
  ['exp', (...e) => (nb.exp as (...a: unknown[]) => unknown)(x(), ...e)],
  ['where', (...e) => (nb.where as (...a: unknown[]) => unknown)(x().gt(0), x(), 0, ...e)],
  ['gather', (...e) => (nb.gather as (...a: unknown[]) => unknown)(x(), 1, nb.zeros([2, 1, 4], { dtype: 'int32' }), ...e)],
  ['softmax', (...e) => (nb.softmax as (...a: unknown[]) => unknown)(x(), 1, ...e)],
  ['split', (...e) => (nb.split as (...a: unknown[]) => unknown)(x(), 1, 1, ...e)],
  ['pad', (...e) => (nb.pad as (...a: unknown[]) => unknown)(x(), [1, 1], 'constant', 0, ...e)],
  ['oneHot', (...e) => (nb.oneHot as (...a: unknown[]) => unknown)(nb.tensor([0, 2], { dtype: 'int32' }), 3, ...e)],
  ['F.leakyRelu', (...e) => (nb.F.leakyRelu as (...a: unknown[]) => unknown)(x(), 0.2, ...e)],
  ['F.elu', (...e) => (nb.F.elu as (...a: unknown[]) => unknown)(x(), { alpha: 0.5 }, ...e)],
  ['F.softplus', (...e) => (nb.F.softplus as (...a: unknown[]) => unknown)(x(), 2, 10, ...e)],
  ['F.gelu', (...e) => (nb.F.gelu as (...a: unknown[]) => unknown)(x(), 'tanh', ...e)],
  ['F.dropout', (...e) => (nb.F.dropout as (...a: unknown[]) => unknown)(x(), 0.5, false, ...e)],
  ['F.conv2d', (...e) => (nb.F.conv2d as (...a: unknown[]) => unknown)(image(), nb.randn([3, 2, 3, 3]), { bias: null, padding: 1 }, ...e)],
  ['F.conv1d', (...e) => (nb.F.conv1d as (...a: unknown[]) => unknown)(nb.randn([1, 2, 5]), nb.randn([3, 2, 3]), null, 1, 0, 1, 1, ...e)],
  ['F.convTranspose2d', (...e) => (nb.F.convTranspose2d as (...a: unknown[]) => unknown)(image(), nb.randn([2, 3, 3, 3]), { stride: 2 }, ...e)],
  ['F.mseLoss', (...e) => (nb.F.mseLoss as (...a: unknown[]) => unknown)(x(), x(), { reduction: 'sum' }, ...e)],
  ['F.crossEntropy', (...e) => (nb.F.crossEntropy as (...a: unknown[]) => unknown)(nb.randn([2, 3]), nb.tensor([0, 2], { dtype: 'int32' }), {}, ...e)],
];

describe('the calling convention: a valid call plus junk, or with a junk option, throws a named error', () => {
  for (const [name, call] of CALLS) {
    test(name, () => {
      assert.doesNotThrow(() => call(), `${name}: the valid call itself`);
      fc.assert(
        fc.property(junk, (j) => {
          throwsNamed(() => call(j), `${name}(..., ${String(j)})`);
          throwsNamed(() => call({ zzUnknown: j }), `${name}(..., {zzUnknown})`);
        }),
        RUNS,
      );
    });
  }
});

/** Minimal valid constructor arguments of every nn layer that takes some. */
const LAYER_ARGS: Record<string, unknown[]> = {
  Linear: [4, 3], Bilinear: [2, 3, 4], Embedding: [10, 4], Conv1d: [2, 3, 3], Conv2d: [2, 3, 3], Conv3d: [2, 3, 3],
  ConvTranspose1d: [2, 3, 3], ConvTranspose2d: [2, 3, 3], ConvTranspose3d: [2, 3, 3],
  MaxPool1d: [2], MaxPool2d: [2], MaxPool3d: [2], AvgPool1d: [2], AvgPool2d: [2], AvgPool3d: [2],
  AdaptiveAvgPool1d: [2], AdaptiveAvgPool2d: [2], AdaptiveAvgPool3d: [2], AdaptiveMaxPool1d: [2], AdaptiveMaxPool2d: [2], AdaptiveMaxPool3d: [2],
  BatchNorm1d: [3], BatchNorm2d: [3], BatchNorm3d: [3], LayerNorm: [4], GroupNorm: [2, 4], LocalResponseNorm: [2],
  RNN: [3, 4], LSTM: [3, 4], GRU: [3, 4], RNNCell: [3, 4], LSTMCell: [3, 4], GRUCell: [3, 4],
  MultiheadAttention: [4, 2], TransformerEncoderLayer: [4, 2], TransformerDecoderLayer: [4, 2],
  TransformerEncoder: [new nb.nn.TransformerEncoderLayer(4, 2), 1], TransformerDecoder: [new nb.nn.TransformerDecoderLayer(4, 2), 1],
  AdditiveAttention: [4, 3, 5], PositionalEncoding: [4], Softmax: [1], LogSoftmax: [1], Unflatten: [1, [2, 2]], Threshold: [0.1, 20],
  LazyLinear: [3], LazyConv1d: [3, 3], LazyConv2d: [3, 3],
};
/** Valid options to start from, where the defaults build something large. */
const LAYER_OPTIONS: Record<string, Record<string, unknown>> = {
  Transformer: { dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 },
};
/** Modules that hold other modules (their junk is tested in their own files) or take any arguments by design (torch.nn.Identity ignores them). */
const NOT_LAYERS = new Set(['Module', 'Sequential', 'ModuleList', 'ModuleDict', 'Identity', 'TimeDistributed']);

type LayerClass = new (...args: unknown[]) => nb.nn.Module;
const layers = Object.entries(nb.nn).filter(
  (e): e is [string, LayerClass] => typeof e[1] === 'function' && e[1].prototype instanceof nb.nn.Module && !NOT_LAYERS.has(e[0]),
);

describe('nn layer constructors: junk options, arguments and extra arguments throw a named error', () => {
  test('every layer is covered', () => {
    assert.ok(layers.length > 60, `found only ${layers.length} layers`);
  });
  for (const [name, Layer] of layers) {
    test(name, () => {
      const args = LAYER_ARGS[name] ?? [];
      const base = LAYER_OPTIONS[name] ?? {};
      assert.doesNotThrow(() => new Layer(...args, base), `new nn.${name}(${args.map(String).join(', ')}) must work; add valid arguments to LAYER_ARGS`);
      // The options it knows, read from the error for a key no layer has.
      let known: string[] = [];
      try {
        new Layer(...args, { ...base, zzzzzzzzzzzz: 1 });
        assert.fail(`nn.${name} accepted an unknown option`);
      } catch (e) {
        const m = /valid options: (.*)$/.exec((e as Error).message);
        known = m === null ? [] : m[1]!.split(', ');
      }
      fc.assert(
        fc.property(junk, fc.nat(), (j, pick) => {
          throwsNamed(() => new Layer(...args, base, j), `nn.${name}(..., {}, junk)`);
          if (typeof j === 'object' && j !== null && !Array.isArray(j)) throwsNamed(() => new Layer(...args, { ...base, ...j }), `nn.${name}(..., ${JSON.stringify(j)})`);
          if (known.length > 0) {
            const key = known[pick % known.length]!;
            throwsNamed(() => new Layer(...args, { ...base, [key]: j }), `nn.${name}(..., {${key}: junk})`);
          }
          if (args.length > 0) {
            const bad = [...args];
            bad[pick % args.length] = j;
            throwsNamed(() => new Layer(...bad, base), `nn.${name} with argument ${pick % args.length} = junk`);
          }
        }),
        RUNS,
      );
    });
  }
});
