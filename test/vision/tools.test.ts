/** featureExtractor, replaceHead and receptiveField. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { nn, vision } = nb;
const { models } = vision;

function sameValues(a: nb.Tensor, b: nb.Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual([...a.toTypedArray()], [...b.toTypedArray()]);
}

describe('featureExtractor', () => {
  nb.manualSeed(0);
  const model = models.resnet18({ numClasses: 10 }).eval();
  const x = nb.randn([1, 3, 32, 32]);

  test('returns the named outputs of one forward pass, equal to running the layers by hand', () => {
    const extractor = vision.featureExtractor(model, ['layer2', 'layer4.1.relu', 'layer4.1.relu_1']);
    const out = nb.noGrad(() => extractor.forward(x));
    assert.deepEqual(Object.keys(out), ['layer2', 'layer4.1.relu', 'layer4.1.relu_1']);
    const stem = nb.noGrad(() => model.maxpool.forward(model.relu.forward(model.bn1.forward(model.conv1.forward(x)))));
    const layer2 = nb.noGrad(() => model.layer2.forward(model.layer1.forward(stem)));
    sameValues(out.layer2!, layer2);
    const layer4 = nb.noGrad(() => model.layer4.forward(model.layer3.forward(layer2)));
    sameValues(out['layer4.1.relu_1']!, layer4); // a block's second relu call is its output
    const block = model.layer4.at(1) as nb.vision.models.BasicBlock;
    const first = model.layer4.at(0) as nb.vision.models.BasicBlock;
    const blockInput = nb.noGrad(() => first.forward(model.layer3.forward(layer2)));
    sameValues(out['layer4.1.relu']!, nb.noGrad(() => block.relu.forward(block.bn1.forward(block.conv1.forward(blockInput)))));
  });

  test('renames with a { node: key } map, stops after the last node needed, removes its hooks', () => {
    let fcCalls = 0;
    const handle = model.fc.registerForwardHook(() => void fcCalls++);
    const extractor = vision.featureExtractor(model, { layer1: 'low', 'layer3.0.downsample': 'shortcut' });
    const out = nb.noGrad(() => extractor.forward(x));
    assert.deepEqual(Object.keys(out), ['low', 'shortcut']);
    assert.deepEqual(out.low!.shape, [1, 64, 8, 8]);
    assert.deepEqual(out.shortcut!.shape, [1, 256, 2, 2]);
    assert.equal(fcCalls, 0, 'the layers after the last node did not run');
    handle.remove();
    assert.equal(Object.prototype.hasOwnProperty.call(model.layer1, 'forward'), false);
    assert.deepEqual(extractor.returnNodes, { layer1: 'low', 'layer3.0.downsample': 'shortcut' });
    assert.equal(extractor.numParameters(), model.numParameters());
    assert.ok('model.conv1.weight' in extractor.stateDict());
  });

  test('gradients flow through the extracted features', () => {
    const small = models.lenet5();
    const extractor = vision.featureExtractor(small, ['features.2']);
    const out = extractor.forward(nb.randn([2, 1, 32, 32]))['features.2']!;
    out.sum().backward();
    assert.ok(small.features.at(0).parameters().next().value!.grad !== null);
  });

  test('errors name the valid nodes, a call the module did not make, duplicate keys and bad arguments', () => {
    assert.throws(
      () => vision.featureExtractor(model, ['layer2', 'layer5']),
      /featureExtractor: no node named 'layer5' in ResNet\. Valid names \(a module's second call is 'name_1'\): conv1, bn1, relu, maxpool, layer1, layer1\.0, layer1\.0\.conv1,.* fc$/,
    );
    const extractor = vision.featureExtractor(model, ['layer1.0.relu_2']);
    assert.throws(() => nb.noGrad(() => extractor.forward(x)), /'layer1\.0\.relu_2' \(the module ran 2 times\) produced no output in this forward pass/);
    assert.throws(() => vision.featureExtractor(model, { layer1: 'a', layer2: 'a' }), /output key 'a' is used twice/);
    assert.throws(() => vision.featureExtractor(model, []), /returnNodes must be a non-empty array/);
    assert.throws(() => vision.featureExtractor({} as nb.nn.Module, ['x']), /expected a Module, got object/);
  });
});

describe('replaceHead', () => {
  const cases: [string, () => nb.nn.Module, number, number, (m: nb.nn.Module) => nb.nn.Module][] = [
    ['resnet18', () => models.resnet18(), 512, 1, (m) => (m as nb.vision.models.ResNet).fc],
    ['googlenet (with auxiliary heads)', () => models.googlenet({ auxLogits: true }), 1024, 1, (m) => (m as nb.vision.models.GoogLeNet).fc],
    ['mobilenetV2', () => models.mobilenetV2(), 1280, 1, (m) => (m as nb.vision.models.MobileNetV2).classifier.at(1)],
    ['mobilenetV3Small', () => models.mobilenetV3Small(), 1024, 1, (m) => (m as nb.vision.models.MobileNetV3).classifier.at(3)],
    ['lenet5', () => models.lenet5(), 84, 1, (m) => (m as nb.vision.models.LeNet5).classifier.at(2)],
  ];
  for (const [name, build, inFeatures, , head] of cases) {
    test(`${name}: a fresh trainable Linear(${inFeatures} -> 5) in the same place, keys unchanged`, () => {
      const model = build();
      model.freeze();
      const keysBefore = Object.keys(model.stateDict());
      const newHead = vision.replaceHead(model, 5);
      assert.equal(head(model), newHead);
      assert.equal(newHead.inFeatures, inFeatures);
      assert.equal(newHead.outFeatures, 5);
      assert.deepEqual(Object.keys(model.stateDict()), keysBefore);
      assert.equal(model.numParameters({ trainableOnly: true }), newHead.numParameters() + (name.startsWith('googlenet') ? 2 * (1024 * 5 + 5) : 0));
    });
  }
  test('AlexNet and VGG: classifier.6 (under NABLA_TEST_HEAVY=1: 60-140M weights)', { skip: process.env.NABLA_TEST_HEAVY === '1' ? false : 'large models' }, () => {
    for (const model of [models.alexnet(), models.vgg11()]) {
      const newHead = vision.replaceHead(model, 7);
      assert.equal(model.classifier.at(6), newHead);
      assert.equal(newHead.inFeatures, 4096);
    }
  });
  test('the model runs with its new head; any model with a Linear works; errors', () => {
    const model = models.lenet5({ variant: 'modern' });
    vision.replaceHead(model, 3);
    assert.deepEqual(model.forward(nb.zeros([2, 1, 28, 28])).shape, [2, 3]);
    class Custom extends nn.Module {
      body = new nn.Linear(4, 4);
      out = new nn.Linear(4, 2);
      forward(x: nb.Tensor): nb.Tensor {
        return this.out.forward(this.body.forward(x));
      }
    }
    const custom = new Custom();
    const head = vision.replaceHead(custom, 6);
    assert.equal(custom.out, head);
    assert.throws(() => vision.replaceHead(model, 0), /replaceHead: numClasses must be a positive integer, got 0/);
    assert.throws(() => vision.replaceHead(new nn.ReLU(), 2), /replaceHead: ReLU has no Linear layer to replace/);
  });
});

describe('receptiveField', () => {
  test('LeNet-5 (1998): hand-computed sizes, jumps, fields and starts (C5 sees the whole 32x32 input)', () => {
    const table = vision.receptiveField(models.lenet5(), 32);
    const rows = table.rows.map((r) => [r.name, r.outputShape.join('x'), r.jump[0], r.receptiveField[0], r.start[0]]);
    // R_k = R_{k-1} + (k - 1) j_{k-1}; j_k = j_{k-1} s; start_k = start_{k-1} + ((k - 1) / 2 - p) j_{k-1}
    assert.deepEqual(rows, [
      ['features.0', '6x28x28', 1, 5, 2.5],
      ['features.2', '6x14x14', 2, 6, 3],
      ['features.3', '16x10x10', 2, 14, 7],
      ['features.5', '16x5x5', 4, 16, 8],
      ['features.6', '120x1x1', 4, 32, 16],
    ]);
    assert.match(String(table), /features\.6 \(Conv2d\)\s+120x1x1\s+5\/1\/0\s+4\s+32\s+16/);
  });

  test('ResNet-18 at 224: 7x7 maps with a 435-pixel field at layer4, residual adds take the larger branch', () => {
    const table = vision.receptiveField(models.resnet18(), 224);
    const byName = new Map(table.rows.map((r) => [r.name, r]));
    assert.deepEqual(byName.get('conv1')!.outputShape, [64, 112, 112]);
    assert.deepEqual(byName.get('maxpool')!.receptiveField, [11, 11]);
    assert.deepEqual(byName.get('layer4.1.conv2')!.receptiveField, [435, 435]);
    assert.deepEqual(byName.get('layer4.1.conv2')!.jump, [32, 32]);
    assert.deepEqual(byName.get('layer4.0.downsample.0')!.receptiveField, [211, 211]);
  });

  test('dilation, asymmetric kernels, "same" padding and allLayers', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 2, [3, 5], { padding: 'same', dilation: 2 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(2, 2, 3, { stride: 2, padding: [[1, 0], [0, 1]] }),
    );
    const table = vision.receptiveField(model, [16, 20], { allLayers: true });
    assert.deepEqual(table.rows.map((r) => r.name), ['0', '1', '2', '3']);
    const [conv, , pool, last] = table.rows;
    assert.deepEqual(conv!.receptiveField, [5, 9]); // k' = 2 (k - 1) + 1
    assert.deepEqual(conv!.start, [0.5, 0.5]); // same padding keeps the centre
    assert.deepEqual(pool!.receptiveField, [6, 10]);
    assert.deepEqual(last!.outputShape, [2, 4, 5]);
    assert.deepEqual(last!.receptiveField, [10, 14]);
    assert.deepEqual(last!.jump, [4, 4]);
    assert.deepEqual(last!.start, [1, 3]); // 1 + (1 - 1) * 2, 1 + (1 - 0) * 2
    assert.deepEqual(table.receptiveField, [10, 14]);
    const single = vision.receptiveField(new nn.Conv2d(1, 1, 3), 8);
    assert.deepEqual(single.rows.map((r) => [r.name, r.receptiveField[0]]), [['(model)', 3]]);
  });

  test('errors', () => {
    assert.throws(() => vision.receptiveField(models.lenet5(), 0), /inputSize must be a positive integer or \[height, width\], got 0/);
    assert.throws(() => vision.receptiveField(models.lenet5(), 32, { channels: 1 } as never), /unknown option 'channels'/);
    assert.throws(() => vision.receptiveField(new nn.Sequential(new nn.ConvTranspose2d(3, 3, 2)), 8), /ConvTranspose2d is not supported/);
  });
});
