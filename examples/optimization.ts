/**
 * Course 2, week 2: optimization algorithms. The same 3-layer network ([2, 10, 5, 1], ReLU, sigmoid
 * output, He-initialized) trained by mini-batch gradient descent (batches of 64, reshuffled every
 * epoch), with momentum, and with Adam, at the course's small learning rate 0.0007: only Adam gets
 * far in the time (momentum hardly differs from plain GD at this rate, as in the course). Then
 * learning-rate decay: from a large rate (0.1; Adam 0.01), fixed-interval scheduling,
 * lr = lr0 / (1 + decayRate floor(epoch / interval)) with decayRate 1 (the course's
 * schedule_lr_decay; optim.lrScheduler.InverseTimeLR with staircase), lets plain mini-batch GD and
 * momentum catch up with Adam.
 * Data: two interleaving half circles, 300 points with noise 0.2 (nb.data.makeMoons, as sklearn's
 * make_moons), seeded.
 *
 *   npx tsx examples/optimization.ts      (NABLA_EXAMPLE_SHORT=1: 120 epochs, decay every 24)
 *
 * Expected output (full run, 2000 epochs with decay every 400, about 15 seconds):
 *   mini-batch GD: train accuracy 84.7% (cost 0.4234)
 *   momentum: train accuracy 84.7% (cost 0.4235)
 *   Adam: train accuracy 97.0% (cost 0.0696)
 *   mini-batch GD + lr decay: train accuracy 97.7% (cost 0.0638)
 *   momentum + lr decay: train accuracy 97.3% (cost 0.0635)
 *   Adam + lr decay: train accuracy 97.7% (cost 0.0613)
 * Short mode (the test runs it): mini-batch GD: train accuracy 50.3%, Adam: train accuracy 85.7%, mini-batch GD + lr decay: train accuracy 86.7%, Adam + lr decay: train accuracy 96.3%
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const epochs = short ? 120 : 2000;
const decayInterval = epochs / 5; // the course decays every 1000 epochs of 5000
const batchSize = 64;
nb.manualSeed(3);

const moons = nb.data.makeMoons(300, { noise: 0.2 });
const [x, y] = [moons.features, moons.labels.float().reshape([-1, 1])];
const m = x.shape[0]!;

type MakeOptimizer = (params: nb.Tensor[]) => nb.optim.Optimizer<nb.optim.BaseOptions, nb.optim.StateRecord>;

function run(name: string, makeOptimizer: MakeOptimizer, decay: boolean): void {
  nb.manualSeed(0); // the same start and the same mini-batches for every optimizer
  const model = new nb.nn.Sequential(new nb.nn.Linear(2, 10), new nb.nn.ReLU(), new nb.nn.Linear(10, 5), new nb.nn.ReLU(), new nb.nn.Linear(5, 1));
  // He initialization, as the course's model (torch's Linear default draws smaller weights).
  for (const layer of model.modules()) {
    if (layer instanceof nb.nn.Linear) {
      nb.nn.init.kaimingNormal_(layer.weight);
      nb.nn.init.zeros_(layer.bias!);
    }
  }
  const optimizer = makeOptimizer([...model.parameters()]);
  // Fixed-interval decay with decayRate 1: lr0, lr0 / 2, lr0 / 3, ... stepping once per epoch.
  const scheduler = decay ? new nb.optim.lrScheduler.InverseTimeLR(optimizer, 1, { decaySteps: decayInterval, staircase: true }) : null;
  let cost = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Shuffle, then cut into mini-batches of 64 (the last one smaller: 300 = 4 x 64 + 44).
    const order = nb.randperm(m);
    cost = 0;
    for (const idx of order.split(batchSize)) {
      const loss = nb.F.binaryCrossEntropyWithLogits(model.forward(x.indexSelect(0, idx)), y.indexSelect(0, idx));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      cost += loss.item() * idx.shape[0]!;
    }
    scheduler?.step();
  }
  const accuracy = nb.noGrad(() => model.forward(x).gt(0).float().eq(y).float().mean().item() * 100);
  console.log(`${name}: train accuracy ${accuracy.toFixed(1)}% (cost ${(cost / m).toFixed(4)})`);
}

// Momentum as the course writes it, v = beta v + (1 - beta) dW: torch's SGD with dampening = beta (but v
// starts at dW, not at (1 - beta) dW)
// (torch's plain momentum, v = beta v + dW, is the same with the learning rate 1 / (1 - beta) times larger).
const gd = (lr: number): MakeOptimizer => (p) => new nb.optim.SGD(p, { lr });
const momentum = (lr: number): MakeOptimizer => (p) => new nb.optim.SGD(p, { lr, momentum: 0.9, dampening: 0.9 });
const adam = (lr: number): MakeOptimizer => (p) => new nb.optim.Adam(p, { lr, betas: [0.9, 0.999], eps: 1e-8 });

run('mini-batch GD', gd(0.0007), false);
run('momentum', momentum(0.0007), false);
run('Adam', adam(0.0007), false);
run('mini-batch GD + lr decay', gd(0.1), true);
run('momentum + lr decay', momentum(0.1), true);
run('Adam + lr decay', adam(0.01), true);
