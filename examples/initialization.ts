/**
 * Course 2, week 1: initialization. The same 3-layer network ([2, 10, 5, 1], ReLU, sigmoid output)
 * trained the same way from three starts: all zeros (every unit of a layer computes the same thing
 * and gets the same gradient, so symmetry is never broken and the net stays at chance), large random
 * weights (N(0, 1) x 10: the sigmoid saturates, the first cost is huge and training is slow), and He
 * initialization (N(0, 2 / n_(l-1)), made for ReLU: trains well).
 * Data: two noisy concentric circles, 300 points to train on, 100 to test (nb.data.makeCircles, as
 * sklearn's make_circles), seeded.
 *
 *   npx tsx examples/initialization.ts      (NABLA_EXAMPLE_SHORT=1: 1000 iterations)
 *
 * Expected output (full run, about 20 seconds):
 *   zeros: iteration     0: cost 0.6931
 *   zeros: iteration  5000: cost 0.6931
 *   zeros: iteration 10000: cost 0.6931
 *   zeros: iteration 14999: cost 0.6931
 *   zeros: train accuracy 50.3% / test accuracy 49.0%
 *   large random: iteration     0: cost 486.7512
 *   large random: iteration  5000: cost 0.3654
 *   large random: iteration 10000: cost 0.3651
 *   large random: iteration 14999: cost 0.3651
 *   large random: train accuracy 76.0% / test accuracy 63.0%
 *   He: iteration     0: cost 0.7813
 *   He: iteration  5000: cost 0.0186
 *   He: iteration 10000: cost 0.0158
 *   He: iteration 14999: cost 0.0150
 *   He: train accuracy 99.3% / test accuracy 94.0%
 * Short mode (the test runs it): zeros: iteration   599: cost 0.6931, zeros: train accuracy 50.3% / test accuracy 49.0%, large random: iteration     0: cost 486.7, He: train accuracy 98.0% / test accuracy 88.0%
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const iterations = short ? 600 : 15000;
const learningRate = 0.1; // the course uses 0.01; ten times larger shows the same in fewer iterations
const layerDims = [2, 10, 5, 1];
nb.manualSeed(1);

const { features: x, labels } = nb.data.makeCircles(400, { noise: 0.05 });
const y = labels.float().reshape([-1, 1]);
const [xTrain, yTrain, xTest, yTest] = [x.narrow(0, 0, 300), y.narrow(0, 0, 300), x.narrow(0, 300, 100), y.narrow(0, 300, 100)];

type Init = (fanIn: number, fanOut: number) => nb.Tensor;
const inits: [string, Init][] = [
  ['zeros', (fanIn, fanOut) => nb.zeros([fanIn, fanOut])],
  ['large random', (fanIn, fanOut) => nb.randn([fanIn, fanOut]).mul(10)],
  ['He', (fanIn, fanOut) => nb.randn([fanIn, fanOut]).mul(Math.sqrt(2 / fanIn))],
];

for (const [name, init] of inits) {
  // W_l from the initializer, b_l = 0 in every case (zero biases break nothing).
  const params = layerDims.slice(1).map((n, l) => ({ w: init(layerDims[l]!, n).requiresGrad_(), b: nb.zeros([n]).requiresGrad_() }));
  const tensors = params.flatMap(({ w, b }) => [w, b]);
  const forward = (a: nb.Tensor) => {
    params.forEach(({ w, b }, l) => {
      const z = a.matmul(w).add(b);
      a = l < params.length - 1 ? nb.relu(z) : z;
    });
    return a;
  };
  for (let i = 0; i < iterations; i++) {
    const cost = nb.F.binaryCrossEntropyWithLogits(forward(xTrain), yTrain);
    for (const p of tensors) p.grad = null;
    cost.backward();
    nb.noGrad(() => tensors.forEach((p) => p.sub_(p.grad!.mul(learningRate))));
    if (i % 5000 === 0 || i === iterations - 1) console.log(`${name}: iteration ${String(i).padStart(5)}: cost ${cost.item().toFixed(4)}`);
  }
  const accuracy = (xs: nb.Tensor, ys: nb.Tensor) => nb.noGrad(() => forward(xs).gt(0).float().eq(ys).float().mean().item() * 100);
  console.log(`${name}: train accuracy ${accuracy(xTrain, yTrain).toFixed(1)}% / test accuracy ${accuracy(xTest, yTest).toFixed(1)}%`);
}
