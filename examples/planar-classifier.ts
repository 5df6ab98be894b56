/**
 * Course 1, week 3: planar data classification with one hidden layer. The "flower" (two classes of
 * petals in the plane) is not linearly separable: logistic regression stays near chance, while a
 * 2-layer network (tanh hidden layer, sigmoid output) learns the petals. Parameters, forward pass
 * and update are written out; the backward pass is autograd's.
 *
 *   npx tsx examples/planar-classifier.ts      (NABLA_EXAMPLE_SHORT=1: 1000 iterations, no size sweep)
 *
 * Expected output (full run, about 20 seconds):
 *   logistic regression: train accuracy 50.2%
 *   4 hidden units: iteration    0: cost 0.6932
 *   4 hidden units: iteration 2000: cost 0.1722
 *   4 hidden units: iteration 4000: cost 0.1684
 *   4 hidden units: iteration 6000: cost 0.1671
 *   4 hidden units: iteration 8000: cost 0.1664
 *   4 hidden units: iteration 9999: cost 0.1660
 *   4 hidden units: train accuracy 95.5%
 *   1 hidden unit: train accuracy 71.0%
 *   2 hidden units: train accuracy 70.5%
 *   3 hidden units: train accuracy 94.5%
 *   5 hidden units: train accuracy 94.7%
 *   20 hidden units: train accuracy 95.2%
 *   50 hidden units: train accuracy 95.0%
 * Short mode (the test runs it): logistic regression: train accuracy 50.2%, 4 hidden units: train accuracy 94.5%
 */
import * as nb from '../src/index.js';

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const iterations = short ? 500 : 10000;
const learningRate = 1.2;
nb.manualSeed(1);

// The course's load_planar_dataset: 400 points, 200 per class; class j lies along the curve
// r = 4 sin(4t) for t in [3.12 j, 3.12 (j + 1)], with noise on t and r. One example per row.
const perClass = 200;
const petals = [0, 1].map((j) => {
  const t = nb.linspace(3.12 * j, 3.12 * (j + 1), perClass).add(nb.randn([perClass]).mul(0.2));
  const r = t.mul(4).sin().mul(4).add(nb.randn([perClass]).mul(0.2));
  return nb.stack([r.mul(t.sin()), r.mul(t.cos())], 1);
});
const x = nb.cat(petals, 0);
const y = nb.cat([nb.zeros([perClass, 1]), nb.ones([perClass, 1])], 0);

// J = -1/m sum(y log a + (1 - y) log(1 - a)), on the logits z (a = sigmoid(z)) for numerical safety.
const cost = (z: nb.Tensor) => nb.F.binaryCrossEntropyWithLogits(z, y);
const accuracy = (z: nb.Tensor) => z.gt(0).float().eq(y).float().mean().item() * 100;

/** Gradient descent on `params`; `logits` is the forward pass. Returns the final logits. */
function train(params: nb.Tensor[], logits: () => nb.Tensor, steps: number, label?: string): nb.Tensor {
  for (let i = 0; i < steps; i++) {
    const j = cost(logits());
    for (const p of params) p.grad = null;
    j.backward();
    nb.noGrad(() => params.forEach((p) => p.sub_(p.grad!.mul(learningRate))));
    if (label !== undefined && (i % 2000 === 0 || i === steps - 1)) {
      console.log(`${label}: iteration ${String(i).padStart(4)}: cost ${j.item().toFixed(4)}`);
    }
  }
  return nb.noGrad(logits);
}

// Logistic regression: one sigmoid unit on the two coordinates, a straight decision boundary.
const w = nb.zeros([2, 1]).requiresGrad_();
const b = nb.zeros([1]).requiresGrad_();
const linear = train([w, b], () => x.matmul(w).add(b), short ? 100 : 1000);
console.log(`logistic regression: train accuracy ${accuracy(linear).toFixed(1)}%`);

/** The 2-layer network with nH tanh units; weights start small and random (to break symmetry), biases at zero. */
function twoLayer(nH: number, steps: number, label?: string): number {
  const w1 = nb.randn([2, nH]).mul(0.01).requiresGrad_();
  const b1 = nb.zeros([nH]).requiresGrad_();
  const w2 = nb.randn([nH, 1]).mul(0.01).requiresGrad_();
  const b2 = nb.zeros([1]).requiresGrad_();
  const logits = () => nb.tanh(x.matmul(w1).add(b1)).matmul(w2).add(b2);
  return accuracy(train([w1, b1, w2, b2], logits, steps, label));
}

console.log(`4 hidden units: train accuracy ${twoLayer(4, iterations, '4 hidden units').toFixed(1)}%`);

// The course's sweep over the hidden layer's size (5000 iterations each): 1 or 2 units underfit,
// 3 already fit the petals, and more units add little.
if (!short) {
  for (const nH of [1, 2, 3, 5, 20, 50]) console.log(`${nH} hidden unit${nH === 1 ? '' : 's'}: train accuracy ${twoLayer(nH, 5000).toFixed(1)}%`);
}
