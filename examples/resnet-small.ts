/**
 * Course 4, week 2: residual networks. The course's two ResNet blocks, each a main path of
 * 1x1 -> 3x3 -> 1x1 convolutions with batch norm, added to a shortcut before the last ReLU:
 * the identity block (shortcut = the input) and the convolutional block (shortcut = a strided 1x1
 * convolution + batch norm, where the shape changes). A small ResNet of 5 blocks (17 layers on the
 * main path) is trained on the bundled 8x8 digits (all 10 classes) next to the same network with
 * the shortcuts removed (a plain CNN of the same depth), with the same data, seed and optimizer.
 * The shortcuts make it train faster (lower loss at every epoch) and generalise better.
 *
 *   npx tsx examples/resnet-small.ts      (NABLA_EXAMPLE_SHORT=1: 2 epochs on 128 images, lr 1e-2, no test set)
 *
 * Expected output (full run, about a minute):
 *   train: 1437 images, test: 360 images
 *   ResNet: 19 conv/dense layers (2 on the shortcuts), 18,938 parameters
 *     epoch 1 loss 1.928 | epoch 5 loss 0.124 | epoch 10 loss 0.035; train accuracy 99.6%
 *     test accuracy 97.5%
 *   plain: 17 layers (no shortcuts), 16,186 parameters
 *     epoch 1 loss 2.155 | epoch 5 loss 0.561 | epoch 10 loss 0.082; train accuracy 98.7%
 *     test accuracy 95.3%
 * Short mode (the test runs it): ResNet: 19 conv/dense layers, epoch 2 loss 1.654; train accuracy 50.8%, plain: 17 layers, epoch 2 loss 2.021; train accuracy 30.5%
 */
import * as nb from '../src/index.js';
const { nn, data } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const epochs = short ? 2 : 10;

/** conv -> batch norm, the unit every path is built of. */
const convBn = (inC: number, outC: number, kernel: number, stride = 1) =>
  new nn.Sequential(new nn.Conv2d(inC, outC, kernel, { stride, padding: (kernel - 1) / 2, bias: false }), new nn.BatchNorm2d(outC));

/**
 * The course's blocks in one class. Main path: 1x1 conv (stride s) -> BN -> ReLU -> 3x3 conv -> BN
 * -> ReLU -> 1x1 conv -> BN. Identity block: s = 1 and inC = filters[2], shortcut = x. Convolutional
 * block: shortcut = 1x1 conv (stride s) -> BN. Output: ReLU(main + shortcut), or ReLU(main) without shortcuts.
 */
class ResidualBlock extends nn.Module {
  readonly main: nb.nn.Sequential;
  readonly shortcut: nb.nn.Sequential | null;
  constructor(inC: number, filters: [number, number, number], options: { stride?: number; residual: boolean }) {
    super();
    const [f1, f2, f3] = filters;
    const stride = options.stride ?? 1;
    this.main = new nn.Sequential(convBn(inC, f1, 1, stride), new nn.ReLU(), convBn(f1, f2, 3), new nn.ReLU(), convBn(f2, f3, 1));
    this.residual = options.residual;
    // A projection only where the shape changes (and only in the ResNet).
    this.shortcut = this.residual && (stride !== 1 || inC !== f3) ? convBn(inC, f3, 1, stride) : null;
  }
  readonly residual: boolean;
  forward(x: nb.Tensor): nb.Tensor {
    const main = this.main.forward(x);
    if (!this.residual) return nb.relu(main);
    return nb.relu(main.add(this.shortcut === null ? x : this.shortcut.forward(x)));
  }
}

/** Stem conv, stage 1 at 8x8 (a convolutional block then 2 identity blocks), stage 2 at 4x4 (1 + 3), average pool, dense. */
function smallResNet(residual: boolean): nb.nn.Sequential {
  const block = (inC: number, filters: [number, number, number], stride = 1) => new ResidualBlock(inC, filters, { stride, residual });
  return new nn.Sequential(
    convBn(1, 16, 3), new nn.ReLU(),
    block(16, [8, 8, 32]), block(32, [8, 8, 32]),
    block(32, [16, 16, 64], 2), block(64, [16, 16, 64]), block(64, [16, 16, 64]),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(64, 10),
  );
}

// Data: all digits as [N, 1, 8, 8] in [0, 1]; 80% train, 20% test, stratified.
const digits = data.loadDigits();
const all = new data.TensorDataset(digits.images.div(16), digits.labels);
const split = data.trainDevTestSplit(all, { test: 0.2, stratify: digits.labels, seed: 0 });
const train = short ? new data.Subset(split.train, Array.from({ length: 128 }, (_, i) => i)) : split.train;
const test = split.test;

for (const residual of [true, false]) {
  nb.manualSeed(0); // both networks start from the same weights
  const model = smallResNet(residual);
  const layers = [...model.modules()].filter((m) => m instanceof nn.Conv2d || m instanceof nn.Linear).length;
  if (residual) console.log(`train: ${train.length} images, test: ${test.length} images`);
  const history = await nb.train.fit(model, {
    train: new data.DataLoader(train, { batchSize: 32, shuffle: true, seed: 0 }),
    loss: (logits, y) => nb.F.crossEntropy(logits, y),
    optimizer: new nb.optim.Adam(model.parameters(), { lr: short ? 1e-2 : 1e-3 }),
    metrics: { accuracy: 'accuracy' },
    epochs,
    verbose: 0,
  });
  const losses = history.get('loss');
  const shown = [...new Set([0, Math.floor((epochs - 1) / 2), epochs - 1])];
  console.log(residual ? `ResNet: ${layers} conv/dense layers (2 on the shortcuts), ${model.numParameters().toLocaleString('en-US')} parameters` : `plain: ${layers} layers (no shortcuts), ${model.numParameters().toLocaleString('en-US')} parameters`);
  console.log(`  ${shown.map((e) => `epoch ${e + 1} loss ${losses[e]!.toFixed(3)}`).join(' | ')}; train accuracy ${(100 * history.get('accuracy').at(-1)!).toFixed(1)}%`);
  // Test time uses batch norm's running averages; after the few steps of short mode they still lag behind the weights.
  if (!short) {
    const evaluation = await nb.train.evaluate(model, new data.DataLoader(test, { batchSize: 360 }), { metrics: { accuracy: 'accuracy' } });
    console.log(`  test accuracy ${(100 * evaluation.accuracy!).toFixed(1)}%`);
  }
}
