/**
 * Course 2, week 3: batch normalization. The same deep network (6 hidden layers of 64 sigmoid units,
 * softmax output over the 10 digits) trained by the same mini-batch SGD, without and with
 * BatchNorm1d before each activation: z_norm = (z - mean_batch) / sqrt(var_batch + eps), then
 * gamma z_norm + beta. Normalized, the deep sigmoid stack trains at once; without, its gradients
 * fade through the layers and it barely moves. Then the difference between train and eval mode:
 * in training a batch-normed output depends on the rest of the batch; at test time the running
 * averages of mean and variance (exponentially weighted, momentum 0.1) are used instead. Early on
 * they still hold much of their start (mean 0, variance 1): after one epoch in short mode, test
 * accuracy in eval mode is at chance while the training cost has already fallen.
 * Data: scikit-learn's 8x8 digits (bundled), pixels scaled to [0, 1].
 *
 *   npx tsx examples/batch-norm.ts      (NABLA_EXAMPLE_SHORT=1: 3 epochs)
 *
 * Expected output (full run, about 10 seconds):
 *   without batch norm: epoch 10: test accuracy 9.6% (cost 2.3211)
 *   without batch norm: epoch 20: test accuracy 9.8% (cost 2.3121)
 *   without batch norm: epoch 30: test accuracy 10.0% (cost 2.3124)
 *   with batch norm: epoch 10: test accuracy 97.0% (cost 0.1312)
 *   with batch norm: epoch 20: test accuracy 98.3% (cost 0.0659)
 *   with batch norm: epoch 30: test accuracy 95.2% (cost 0.0393)
 *   train mode: one digit's logits in two different batches differ by up to 1.244
 *   eval mode: they differ by 0.000 (running mean and variance, not the batch's)
 * (At a fixed learning rate of 0.5 the test accuracy still wobbles from epoch to epoch: a decaying
 * rate, see optimization.ts, would settle it.)
 * Short mode (the test runs it): without batch norm: epoch  3: test accuracy 9.8%, with batch norm: epoch  1: test accuracy 10.2%, with batch norm: epoch  3: test accuracy 83.3%, eval mode: they differ by 0.000
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const epochs = short ? 3 : 30;
const batchSize = 64;
const hidden = 64;
nb.manualSeed(0);

const digits = nb.data.loadDigits();
const x = digits.features.div(16);
const y = digits.labels;
const split = nb.data.splitIndices(x.shape[0]!, { test: 0.3, seed: 0, stratify: y });
const pick = (t: nb.Tensor, idx: number[]) => t.indexSelect(0, nb.tensor(idx, { dtype: 'int32' }));
const [xTrain, yTrain, xTest, yTest] = [pick(x, split.train), pick(y, split.train), pick(x, split.test), pick(y, split.test)];

/** LINEAR -> [BATCHNORM] -> SIGMOID, six times, then LINEAR to the 10 logits. */
function deepNet(batchNorm: boolean): nb.nn.Sequential {
  const layers: nb.nn.Module[] = [];
  for (let l = 0; l < 6; l++) {
    // With batch norm the linear bias is redundant (beta plays its part), so it is left out.
    layers.push(new nb.nn.Linear(l === 0 ? 64 : hidden, hidden, { bias: !batchNorm }));
    if (batchNorm) layers.push(new nb.nn.BatchNorm1d(hidden));
    layers.push(new nb.nn.Sigmoid());
  }
  layers.push(new nb.nn.Linear(hidden, 10));
  return new nb.nn.Sequential(...layers);
}

const accuracy = (model: nb.nn.Sequential, xs: nb.Tensor, ys: nb.Tensor) =>
  nb.noGrad(() => model.forward(xs).argmax(1).eq(ys).float().mean().item() * 100);

function train(batchNorm: boolean): nb.nn.Sequential {
  nb.manualSeed(1); // the same mini-batches for both networks
  const model = deepNet(batchNorm);
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.5 });
  const name = batchNorm ? 'with batch norm' : 'without batch norm';
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    let cost = 0;
    for (const idx of nb.randperm(xTrain.shape[0]!).split(batchSize)) {
      const loss = nb.F.crossEntropy(model.forward(xTrain.indexSelect(0, idx)), yTrain.indexSelect(0, idx));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      cost += loss.item() * idx.shape[0]!;
    }
    model.eval();
    if (epoch % 10 === 0 || epoch === epochs || short) {
      console.log(`${name}: epoch ${String(epoch).padStart(2)}: test accuracy ${accuracy(model, xTest, yTest).toFixed(1)}% (cost ${(cost / xTrain.shape[0]!).toFixed(4)})`);
    }
  }
  return model;
}

train(false);
const model = train(true);

// Train vs eval mode. In train mode the first test digit's logits change with the batch it comes in
// (the batch's mean and variance normalize it); in eval mode they do not.
const first = xTest.narrow(0, 0, 1);
const logitsIn = (batch: nb.Tensor) => nb.noGrad(() => model.forward(nb.cat([first, batch])).narrow(0, 0, 1));
const gap = (a: nb.Tensor, b: nb.Tensor) => a.sub(b).abs().max().item();
model.train();
const [trainA, trainB] = [logitsIn(xTest.narrow(0, 1, 31)), logitsIn(xTest.narrow(0, 100, 31))];
model.eval();
const [evalA, evalB] = [logitsIn(xTest.narrow(0, 1, 31)), logitsIn(xTest.narrow(0, 100, 31))];
console.log(`train mode: one digit's logits in two different batches differ by up to ${gap(trainA, trainB).toFixed(3)}`);
console.log(`eval mode: they differ by ${gap(evalA, evalB).toFixed(3)} (running mean and variance, not the batch's)`);
