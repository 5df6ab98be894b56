/**
 * Course 1, week 4: a deep L-layer network, [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, with its
 * parameters W1, b1, ..., WL, bL written out, the forward pass as a loop over the layers and the
 * backward pass by autograd; then the same training for a 2-layer network, to compare.
 * Task (the course's cat vs non-cat, in bundled data): is an 8x8 digit even or odd? A class made of
 * several different-looking things, as "cat" is.
 *
 *   npx tsx examples/deep-network.ts      (NABLA_EXAMPLE_SHORT=1: 200 iterations)
 *
 * Expected output (full run, about 10 seconds):
 *   4-layer net 64-20-7-5-1: iteration    0: cost 0.6949
 *   4-layer net 64-20-7-5-1: iteration  500: cost 0.0431
 *   4-layer net 64-20-7-5-1: iteration 1000: cost 0.0082
 *   4-layer net 64-20-7-5-1: iteration 1500: cost 0.0027
 *   4-layer net 64-20-7-5-1: iteration 2000: cost 0.0014
 *   4-layer net 64-20-7-5-1: iteration 2499: cost 0.0009
 *   4-layer net 64-20-7-5-1: train accuracy 100.0% / test accuracy 97.4%
 *   2-layer net 64-7-1: iteration    0: cost 0.7042
 *   2-layer net 64-7-1: iteration  500: cost 0.1792
 *   2-layer net 64-7-1: iteration 1000: cost 0.1437
 *   2-layer net 64-7-1: iteration 1500: cost 0.1111
 *   2-layer net 64-7-1: iteration 2000: cost 0.0816
 *   2-layer net 64-7-1: iteration 2499: cost 0.0611
 *   2-layer net 64-7-1: train accuracy 98.1% / test accuracy 96.0%
 * Short mode (the test runs it): 4-layer net 64-20-7-5-1: train accuracy 94.2% / test accuracy 91.5%, 2-layer net 64-7-1: train accuracy 91.2% / test accuracy 88.3%
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const iterations = short ? 200 : 2500;
const learningRate = 0.1; // the course uses 0.0075 on its 12,288 pixels; 64 pixels allow more
nb.manualSeed(1);

// Data: label 1 for odd digits, 0 for even ones, pixels scaled to [0, 1], one example per row.
const digits = nb.data.loadDigits();
const x = digits.features.div(16);
const y = digits.labels.remainder(2).float().reshape([-1, 1]);
const split = nb.data.splitIndices(x.shape[0]!, { test: 0.4, seed: 0, stratify: y.reshape([-1]) });
const pick = (t: nb.Tensor, idx: number[]) => t.indexSelect(0, nb.tensor(idx, { dtype: 'int32' }));
const [xTrain, yTrain, xTest, yTest] = [pick(x, split.train), pick(y, split.train), pick(x, split.test), pick(y, split.test)];

/** W_l is [n_(l-1), n_l] (examples are rows), drawn N(0, 1/n_(l-1)) as the course's deep model does; b_l = 0. */
function initializeParameters(layerDims: number[]): { w: nb.Tensor; b: nb.Tensor }[] {
  return layerDims.slice(1).map((n, l) => ({
    w: nb.randn([layerDims[l]!, n]).div(Math.sqrt(layerDims[l]!)).requiresGrad_(),
    b: nb.zeros([n]).requiresGrad_(),
  }));
}

/** The forward pass up to the last linear part Z_L; A_L = sigmoid(Z_L) is taken inside the cost. */
function forward(params: { w: nb.Tensor; b: nb.Tensor }[], a: nb.Tensor): nb.Tensor {
  params.forEach(({ w, b }, l) => {
    const z = a.matmul(w).add(b);
    a = l < params.length - 1 ? nb.relu(z) : z;
  });
  return a;
}

function lLayerModel(layerDims: number[]): void {
  const name = `${layerDims.length - 1}-layer net ${layerDims.join('-')}`;
  const params = initializeParameters(layerDims);
  const tensors = params.flatMap(({ w, b }) => [w, b]);
  for (let i = 0; i < iterations; i++) {
    // J = -1/m sum(y log A_L + (1 - y) log(1 - A_L)), computed from Z_L for numerical safety.
    const cost = nb.F.binaryCrossEntropyWithLogits(forward(params, xTrain), yTrain);
    for (const p of tensors) p.grad = null;
    cost.backward(); // dW_l, db_l for every layer: the course's L_model_backward
    nb.noGrad(() => tensors.forEach((p) => p.sub_(p.grad!.mul(learningRate))));
    if (i % 500 === 0 || i === iterations - 1) console.log(`${name}: iteration ${String(i).padStart(4)}: cost ${cost.item().toFixed(4)}`);
  }
  const accuracy = (xs: nb.Tensor, ys: nb.Tensor) => nb.noGrad(() => forward(params, xs).gt(0).float().eq(ys).float().mean().item() * 100);
  console.log(`${name}: train accuracy ${accuracy(xTrain, yTrain).toFixed(1)}% / test accuracy ${accuracy(xTest, yTest).toFixed(1)}%`);
}

lLayerModel([64, 20, 7, 5, 1]);
lLayerModel([64, 7, 1]);
