/**
 * The seeds' Keras two-branch CNN (functional API: two Conv2D towers over one input, merged with
 * concatenate, then Dense layers) in Nabla. Task: scikit-learn's 8x8 digits (bundled), 10 classes.
 * One tower sees 3x3 neighbourhoods, the other 5x5; their flattened features are concatenated.
 * The lazy layers read their input sizes from the first batch, so no flatten size is computed by
 * hand; summary() runs that first batch and shows them.
 *
 *   npx tsx examples/two-branch-cnn.ts      (NABLA_EXAMPLE_SHORT=1: 600 training images, 2 epochs)
 *
 * Expected output (full run, about 5 seconds), after the summary table:
 *   Total params: 17,386
 *   epoch 1: loss 1.7572
 *   ...
 *   epoch 10: loss 0.0523
 *   test accuracy: 98.3%
 * Short mode (the test runs it): Total params: 17,386, epoch 2: loss 1.6468, test accuracy: 71.1%
 */
import * as nb from '../src/index.js';

const { nn } = nb;
const short = process.env.NABLA_EXAMPLE_SHORT === '1';
nb.manualSeed(0);

// Images [N, 1, 8, 8] scaled to [0, 1]; a stratified 80/20 split.
const digits = nb.data.loadDigits();
const images = digits.features.reshape([-1, 1, 8, 8]).div(16);
const split = nb.data.splitIndices(images.shape[0]!, { test: 0.2, seed: 0, stratify: digits.labels });
const pick = (t: nb.Tensor, idx: number[]) => t.indexSelect(0, nb.tensor(idx, { dtype: 'int32' }));
const trainIdx = short ? split.train.slice(0, 600) : split.train;
const train = new nb.data.DataLoader(new nb.data.TensorDataset(pick(images, trainIdx), pick(digits.labels, trainIdx)), { batchSize: 32, shuffle: true, seed: 0 });

// Keras: a = Conv2D(8, 3)(x); b = Conv2D(8, 5)(x); concatenate([Flatten()(a), Flatten()(b)]) -> Dense(64) -> Dense(10).
const tower = (kernel: number) => new nn.Sequential(new nn.LazyConv2d(8, kernel, { padding: 'same' }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten());
class TwoBranchCNN extends nn.Module {
  small = tower(3);
  large = tower(5);
  head = new nn.Sequential(new nn.LazyLinear(64), new nn.ReLU(), new nn.LazyLinear(10));
  forward(x: nb.Tensor): nb.Tensor {
    return this.head.forward(nb.cat([this.small.forward(x), this.large.forward(x)], 1));
  }
}
const model = new TwoBranchCNN();
console.log(nn.summary(model, [1, 1, 8, 8]));

const history = await nb.train.fit(model, {
  train,
  loss: nb.F.crossEntropy,
  optimizer: new nb.optim.Adam(model.parameters(), { lr: 3e-3 }),
  epochs: short ? 2 : 10,
  verbose: 0,
});
history.get('loss').forEach((loss, epoch) => console.log(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}`));

model.eval();
const predicted = nb.noGrad(() => model.forward(pick(images, split.test)).argmax(1));
const accuracy = predicted.eq(pick(digits.labels, split.test)).float().mean().item();
console.log(`test accuracy: ${(100 * accuracy).toFixed(1)}%`);
