/**
 * Course 2, week 1: regularization. A network much bigger than its data ([2, 64, 64, 1] on 100
 * noisy points) fits the training set, noise included, and does worse on held-out points; an L2
 * penalty on the weights (lambda / 2m sum ||W_l||^2 added to the cost) and inverted dropout on the
 * hidden layers (each unit kept with probability 0.5 in training, all kept at test) narrow the gap.
 * Full-batch Adam (lr 0.01), so that each variant trains in seconds.
 * Data: two interleaving half circles with much noise (nb.data.makeMoons, as sklearn's make_moons), seeded.
 *
 *   npx tsx examples/regularization.ts      (NABLA_EXAMPLE_SHORT=1: 300 iterations)
 *
 * Expected output (full run, about 10 seconds):
 *   no regularization: train accuracy 100.0% / test accuracy 83.5%
 *   L2 (lambda 0.7): train accuracy 90.0% / test accuracy 87.4%
 *   dropout (keep 0.5): train accuracy 95.0% / test accuracy 84.8%
 * Short mode (the test runs it): no regularization: train accuracy 97.0% / test accuracy 83.0%, L2 (lambda 0.7): train accuracy 90.0% / test accuracy 87.2%, dropout (keep 0.5): train accuracy 91.0% / test accuracy 85.2%
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const iterations = short ? 300 : 2000;
nb.manualSeed(2);

// 1100 shuffled points: the first 100 to train on, the other 1000 to test on.
const moons = nb.data.makeMoons(1100, { noise: 0.35 });
const [x, y] = [moons.features, moons.labels.float().reshape([-1, 1])];
const [xTrain, yTrain, xTest, yTest] = [x.narrow(0, 0, 100), y.narrow(0, 0, 100), x.narrow(0, 100, 1000), y.narrow(0, 100, 1000)];
const m = xTrain.shape[0]!;

function run(name: string, { lambda = 0, dropout = 0 }: { lambda?: number; dropout?: number }): void {
  nb.manualSeed(0); // the same initial weights for every variant
  const model = new nb.nn.Sequential(
    new nb.nn.Linear(2, 64), new nb.nn.ReLU(), new nb.nn.Dropout(dropout),
    new nb.nn.Linear(64, 64), new nb.nn.ReLU(), new nb.nn.Dropout(dropout),
    new nb.nn.Linear(64, 1),
  );
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: 0.01 });
  for (let i = 0; i < iterations; i++) {
    let cost = nb.F.binaryCrossEntropyWithLogits(model.forward(xTrain), yTrain);
    // L2: lambda / 2m times the squared weights, biases left out as the course does.
    if (lambda > 0) cost = cost.add(nb.F.l2Penalty(model, lambda / (2 * m), { excludeBiases: true }));
    optimizer.zeroGrad();
    cost.backward();
    optimizer.step();
  }
  model.eval(); // dropout off: at test time every unit is used (inverted dropout already scaled in training)
  const accuracy = (xs: nb.Tensor, ys: nb.Tensor) => nb.noGrad(() => model.forward(xs).gt(0).float().eq(ys).float().mean().item() * 100);
  console.log(`${name}: train accuracy ${accuracy(xTrain, yTrain).toFixed(1)}% / test accuracy ${accuracy(xTest, yTest).toFixed(1)}%`);
}

run('no regularization', {});
run('L2 (lambda 0.7)', { lambda: 0.7 });
run('dropout (keep 0.5)', { dropout: 0.5 });
