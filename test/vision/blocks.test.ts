/** The zoo's building blocks, options and their checks, small inputs and summary(). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { models } = nb.vision;

describe('building blocks', () => {
  test('BasicBlock and Bottleneck: shapes, projection shortcut only when the shape changes', () => {
    const basic = new models.BasicBlock(64, 64);
    assert.equal(basic.downsample, null);
    assert.deepEqual(basic.forward(nb.randn([1, 64, 8, 8])).shape, [1, 64, 8, 8]);
    const resnet = models.resnet18({ numClasses: 10 });
    assert.equal((resnet.layer1.at(0) as nb.vision.models.BasicBlock).downsample, null);
    const first = resnet.layer2.at(0) as nb.vision.models.BasicBlock;
    assert.deepEqual(Object.keys(first.downsample!.stateDict()), ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    const shortcut = new nb.nn.Sequential(new nb.nn.Conv2d(256, 512, 1, { stride: 2, bias: false }), new nb.nn.BatchNorm2d(512));
    const bottleneck = new models.Bottleneck(256, 128, 2, shortcut);
    assert.deepEqual(bottleneck.conv2.stride, [2, 2], 'torchvision v1.5: the stride sits on the 3x3 conv');
    assert.deepEqual(bottleneck.conv1.stride, [1, 1]);
    assert.deepEqual(bottleneck.forward(nb.randn([1, 256, 8, 8])).shape, [1, 512, 4, 4]);
  });

  test('InceptionModule concatenates its four branches (1x1, 1x1 -> 3x3, 1x1 -> 3x3, pool -> 1x1)', () => {
    const block = new models.InceptionModule(192, 64, 96, 128, 16, 32, 32);
    assert.equal(block.outChannels, 256);
    assert.deepEqual(block.forward(nb.randn([2, 192, 7, 7])).shape, [2, 256, 7, 7]);
    assert.equal(block.numParameters(), 155_872); // torchvision's Inception(192, 64, 96, 128, 16, 32, 32)
  });

  test('DepthwiseSeparableConv: a per-channel 3x3 and a 1x1, 8-9x fewer weights than a full 3x3 conv', () => {
    const block = new models.DepthwiseSeparableConv(32, 64, 2);
    assert.deepEqual(block.depthwise.at(0).parameters().next().value!.shape, [32, 1, 3, 3]);
    assert.deepEqual(block.forward(nb.randn([1, 32, 16, 16])).shape, [1, 64, 8, 8]);
    const convWeights = 32 * 9 + 32 * 64;
    assert.equal(block.numParameters(), convWeights + 2 * 32 + 2 * 64);
    assert.throws(() => new models.DepthwiseSeparableConv(32, 64, 3), /DepthwiseSeparableConv: stride must be 1 or 2, got 3/);
  });

  test('InvertedResidual: residual only with stride 1 and equal channels; no expansion conv at ratio 1', () => {
    const residual = new models.InvertedResidual(24, 24, 1, 6);
    assert.equal(residual.useResConnect, true);
    assert.equal(residual.conv.length, 4);
    assert.equal(new models.InvertedResidual(32, 16, 1, 1).conv.length, 3);
    assert.equal(new models.InvertedResidual(24, 32, 2, 6).useResConnect, false);
    assert.deepEqual(residual.forward(nb.randn([1, 24, 5, 5])).shape, [1, 24, 5, 5]);
  });

  test('makeDivisible is torchvision\'s _make_divisible', () => {
    assert.deepEqual([32 * 0.5, 1280 * 0.75, 27, 12, 3].map((v) => models.makeDivisible(v, 8)), [16, 960, 32, 16, 8]);
  });
});

describe('model options', () => {
  test('grayscale inputs (inChannels: 1), small inputs through the adaptive pools, numClasses', () => {
    for (const model of [models.resnet18({ inChannels: 1, numClasses: 4 }), models.mobilenetV3Small({ inChannels: 1, numClasses: 4 }), models.googlenet({ inChannels: 1, numClasses: 4 })]) {
      model.eval();
      assert.deepEqual(nb.noGrad(() => model.forward(nb.randn([2, 1, 32, 32]))).shape, [2, 4]);
    }
  });

  test('googlenet: auxiliary heads in training mode only; transformInput re-scales the channels', () => {
    const model = models.googlenet({ auxLogits: true, numClasses: 3, dropout: 0, dropoutAux: 0 });
    const out = model.forwardWithAux(nb.randn([2, 3, 64, 64]));
    assert.deepEqual([out.logits.shape, out.aux1!.shape, out.aux2!.shape], [[2, 3], [2, 3], [2, 3]]);
    model.eval();
    assert.equal(model.forwardWithAux(nb.randn([1, 3, 64, 64])).aux1, null);
    const plain = models.googlenet({ numClasses: 3 }).eval();
    const transformed = models.googlenet({ numClasses: 3, transformInput: true }).eval();
    transformed.loadStateDict(plain.stateDict());
    const x = nb.randn([1, 3, 32, 32]);
    const rescaled = nb.cat([0, 1, 2].map((c) => x.narrow(1, c, 1).mul([0.229, 0.224, 0.225][c]! / 0.5).add(([0.485, 0.456, 0.406][c]! - 0.5) / 0.5)), 1);
    assert.deepEqual([...transformed.forward(x).toTypedArray()], [...plain.forward(rescaled).toTypedArray()]);
  });

  test('resnet zeroInitResidual starts each block\'s last BatchNorm at 0; torchvision init statistics', () => {
    nb.manualSeed(1);
    const model = models.resnet18({ zeroInitResidual: true });
    assert.equal((model.layer1.at(0) as nb.vision.models.BasicBlock).bn2.weight!.abs().sum().item(), 0);
    const w = model.conv1.weight; // kaiming_normal_(fan_out, relu): std sqrt(2 / (64 * 7 * 7))
    const std = w.std().item();
    assert.ok(Math.abs(std - Math.sqrt(2 / (64 * 49))) < 0.003, `std ${std}`);
    assert.equal(model.bn1.weight!.sum().item(), 64);
    const mobile = models.mobilenetV2();
    const fc = mobile.classifier.at(1) as nb.nn.Linear;
    assert.ok(Math.abs(fc.weight.std().item() - 0.01) < 0.001);
    assert.equal(fc.bias!.abs().sum().item(), 0);
  });

  test('junk options are errors naming the model', () => {
    assert.throws(() => models.resnet18({ numClases: 10 } as never), /unknown option 'numClases' for resnet18; did you mean 'numClasses'\?/);
    assert.throws(() => models.resnet18({ numClasses: 0 }), /resnet18: option 'numClasses' must be a positive integer, got number 0/);
    assert.throws(() => models.mobilenetV2({ widthMult: -1 }), /mobilenetV2: option 'widthMult' must be a positive number, got number -1/);
    assert.throws(() => models.mobilenetV3Large({ dropout: 1.5 }), /mobilenetV3Large: option 'dropout' must be a number in \[0, 1\], got number 1.5/);
    assert.throws(() => models.lenet5({ variant: 'lecun' as never }), /lenet5: option 'variant' must be 'classic' or 'modern', got string 'lecun'/);
    assert.throws(() => models.googlenet({ auxLogits: 'yes' as never }), /googlenet: option 'auxLogits' must be true or false, got string 'yes'/);
    assert.throws(() => models.lenet5(null as never), /lenet5: expected an options object, got null/);
    assert.throws(() => models.vggFeatures('vgg12' as never, false), /vggFeatures: unknown config 'vgg12' \(configs: vgg11, vgg13, vgg16, vgg19\)/);
    assert.throws(() => models.lenet5().forward(nb.zeros([1, 1, 28, 28])), /LeNet5 \(classic\) expects input \[N, C, 32, 32\], got \[1, 1, 28, 28\]/);
  });
});

describe('summary', () => {
  test('prints each layer with its output shape and the total count', () => {
    const text = models.mobilenetV3Small({ numClasses: 10 }).summary([1, 3, 32, 32]);
    assert.match(text, /Total params: 1,528,106/); // torchvision's mobilenet_v3_small(num_classes=10)
    assert.match(text, /features \(Sequential\)\s+\[1, 576, 1, 1\]/);
    assert.match(models.lenet5().summary([1, 1, 32, 32]), /Total params: 61,706/);
  });
});
