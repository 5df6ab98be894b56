/**
 * Neural style transfer's costs against torch (scripts/gen_style_fixtures.py, float64): content
 * cost, Gram matrix, layer style cost, total variation and the whole J(G) through a small conv net,
 * each with its gradient; then that a run lowers J with LBFGS and with Adam, and the errors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { decodeNumber, readFixture } from '../helpers/fixtures.js';

const { vision } = nb;

interface Entry {
  shape: number[];
  values: (number | string)[];
}
interface StyleFixture {
  activations: { aC: Entry; aS: Entry; aG: Entry };
  costs: {
    content: { value: number; grad: Entry };
    layerStyle: { value: number; grad: Entry };
    gram: Entry;
    tv: { image: Entry; value: number; grad: Entry };
  };
  objective: {
    weights: Record<string, Entry>;
    content: Entry;
    style: Entry;
    generated: Entry;
    contentLayer: string;
    styleLayers: Record<string, number>;
    alpha: number;
    beta: number;
    tvWeight: number;
    jContent: number;
    jStyle: number;
    jTv: number;
    total: number;
    grad: Entry;
  };
}

const fixture = readFixture<StyleFixture>('vision-style.json');
const f64 = { dtype: 'float64' } as const;
const load = (e: Entry): nb.Tensor => nb.tensor(e.values.map(decodeNumber), f64).reshape(e.shape);

function close(actual: nb.Tensor | number, expected: Entry | number, what: string, tolerance = 1e-12): void {
  const a = typeof actual === 'number' ? [actual] : [...actual.toTypedArray()];
  const e = typeof expected === 'number' ? [expected] : expected.values.map(decodeNumber);
  assert.equal(a.length, e.length, `${what}: length`);
  const scale = Math.max(1e-6, ...e.map(Math.abs));
  const worst = Math.max(...a.map((v, i) => Math.abs(v - e[i]!)));
  assert.ok(worst <= tolerance * scale, `${what}: error ${worst} > ${tolerance} x ${scale}`);
}

describe('style costs match torch (float64)', () => {
  const { aC, aS, aG } = fixture.activations;
  const { costs } = fixture;

  test('contentCost = sum((aC - aG)^2) / (4 nH nW nC), and its gradient', () => {
    const g = load(aG).requiresGrad_(true);
    const j = vision.contentCost(load(aC), g);
    j.backward();
    close(j.item(), costs.content.value, 'value');
    close(g.grad!, costs.content.grad, 'gradient');
  });

  test('gramMatrix = A A^T of the unrolled activations', () => {
    close(vision.gramMatrix(load(aG)), costs.gram, 'from [1, C, H, W]');
    close(vision.gramMatrix(load(aG).reshape([3, 20])), costs.gram, 'from [C, H W]');
  });

  test('layerStyleCost = sum((GS - GG)^2) / (2 nH nW nC)^2, and its gradient', () => {
    const g = load(aG).requiresGrad_(true);
    const j = vision.layerStyleCost(load(aS), g);
    j.backward();
    close(j.item(), costs.layerStyle.value, 'value');
    close(g.grad!, costs.layerStyle.grad, 'gradient');
  });

  test('totalVariationLoss (tf.image.total_variation), and its gradient', () => {
    const image = load(costs.tv.image).requiresGrad_(true);
    const j = vision.totalVariationLoss(image);
    j.backward();
    close(j.item(), costs.tv.value, 'value');
    close(image.grad!, costs.tv.grad, 'gradient');
  });

  test('J(G) = alpha Jcontent + beta Jstyle + tvWeight TV through a conv net on normalised input, and dJ/dG', () => {
    const o = fixture.objective;
    const net = new nb.nn.Sequential(new nb.nn.Conv2d(3, 4, 3, { padding: 1 }), new nb.nn.ReLU(), new nb.nn.Conv2d(4, 5, 3, { stride: 2 }), new nb.nn.ReLU());
    net.to('float64');
    net.loadStateDict(Object.fromEntries(Object.entries(o.weights).map(([k, e]) => [k, load(e)])));
    const objective = vision.styleObjective(load(o.content), load(o.style), {
      model: net, contentLayer: o.contentLayer, styleLayers: o.styleLayers, alpha: o.alpha, beta: o.beta, tvWeight: o.tvWeight,
    });
    const generated = load(o.generated).requiresGrad_(true);
    const j = objective(generated);
    j.total.backward();
    close(j.content.item(), o.jContent, 'J_content');
    close(j.style.item(), o.jStyle, 'J_style');
    close(j.tv.item(), o.jTv, 'TV');
    close(j.total.item(), o.total, 'J');
    close(generated.grad!, o.grad, 'dJ/dG');
    assert.ok([...net.parameters()].every((p) => p.grad === null), 'the costs are not taken with respect to the model');
  });
});

describe('styleTransfer', () => {
  /** A random two-scale conv stack: features at full and half resolution. */
  function randomNet(): nb.nn.Sequential {
    nb.manualSeed(3);
    return new nb.nn.Sequential(new nb.nn.Conv2d(3, 8, 3, { padding: 1 }), new nb.nn.ReLU(), new nb.nn.Conv2d(8, 8, 3, { stride: 2, padding: 1 }), new nb.nn.ReLU());
  }
  const gen = new nb.Generator(1);
  const content = nb.rand([1, 3, 12, 12], { generator: gen });
  const style = nb.rand([1, 3, 12, 12], { generator: gen }).square();
  const layers = { contentLayer: '3', styleLayers: { '1': 0.5, '3': 0.5 } };

  for (const optimizer of ['lbfgs', 'adam'] as const) {
    test(`a run with ${optimizer} lowers J, keeps pixels in [0, 1] and leaves the model as it was`, () => {
      const net = randomNet();
      const before = net.stateDict()['0.weight']!.clone();
      const seen: number[] = [];
      const result = vision.styleTransfer(content, style, {
        model: net, ...layers, optimizer, steps: 30, lr: optimizer === 'adam' ? 0.05 : 1, tvWeight: 1e-4,
        onStep: (step, losses) => seen.push(step, losses.total),
      });
      const evaluations = result.losses.length;
      assert.ok(optimizer === 'adam' ? evaluations === 30 : evaluations >= 30 && evaluations < 30 + 25, `${evaluations} evaluations`);
      assert.deepEqual(seen.filter((_, i) => i % 2 === 0), Array.from({ length: evaluations }, (_, i) => i + 1));
      const first = result.losses[0]!;
      const last = result.losses[result.losses.length - 1]!;
      assert.ok(last < 0.5 * first, `J went from ${first} to ${last}`);
      const pixels = [...result.image.toTypedArray()];
      assert.ok(pixels.every((v) => v >= 0 && v <= 1));
      assert.deepEqual([...net.stateDict()['0.weight']!.toTypedArray()], [...before.toTypedArray()]);
      assert.ok([...net.parameters()].every((p) => p.requiresGrad), 'requiresGrad restored');
    });
  }

  test('a custom extractor works (any function from an image to named activations)', () => {
    const net = randomNet();
    const first = new nb.nn.Sequential(net.at(0), net.at(1));
    const extractor = (x: nb.Tensor) => ({ low: first.forward(x), pooled: nb.F.avgPool2d(x, 2) });
    const result = vision.styleTransfer(content, style, { extractor, contentLayer: 'pooled', styleLayers: { low: 1 }, steps: 10, normalize: null });
    assert.ok(result.losses[9]! < result.losses[0]!);
  });

  test('bad arguments are refused with the option named', () => {
    const net = randomNet();
    assert.throws(() => vision.styleTransfer(content, style, { ...layers }), /give exactly one of model \(an nn.Module\) and extractor/);
    assert.throws(() => vision.styleTransfer(content, nb.rand([1, 3, 8, 8]), { model: net, ...layers }), /the content image is \[1, 3, 12, 12\] but the style image is \[1, 3, 8, 8\]; resize them/);
    assert.throws(() => vision.styleTransfer(content, style, { model: net, contentLayer: 'conv9', styleLayers: layers.styleLayers }), /featureExtractor: no node named 'conv9'/);
    assert.throws(() => vision.styleTransfer(content, style, { model: net, ...layers, steps: 0 }), /steps must be an integer >= 1/);
    assert.throws(() => vision.styleTransfer(content, style, { model: net, ...layers, optimizer: 'sgd' as 'adam' }), /optimizer must be 'lbfgs' or 'adam'/);
    assert.throws(() => vision.styleTransfer(content, style, { model: net, ...layers, styleLayers: { '1': -1 } }), /the weight of style layer '1' must be a finite number >= 0/);
    assert.throws(() => vision.styleTransfer(content, style, { model: net, ...layers, stepz: 3 } as never), /unknown option 'stepz'/);
    assert.throws(() => vision.styleTransfer(content.squeeze(0), style, { model: net, ...layers }), /the content image must be a \[1, C, H, W\] tensor, got \[3, 12, 12\]/);
    assert.throws(() => vision.contentCost(nb.rand([1, 3, 4, 4]), nb.rand([1, 3, 4, 5])), /contentCost: aC has shape \[3, 4, 4\] but aG has shape \[3, 4, 5\]/);
    assert.throws(() => vision.layerStyleCost(nb.rand([2, 3, 4, 4]), nb.rand([2, 3, 4, 4])), /layerStyleCost: aS must be the activations of one image/);
    assert.throws(() => vision.styleCost({ a: nb.rand([1, 2, 2, 2]) }, { b: nb.rand([1, 2, 2, 2]) }, { a: 1 }), /the generated features have no layer 'a' \(they have: b\)/);
  });
});
