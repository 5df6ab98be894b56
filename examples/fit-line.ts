/**
 * The starter job: fits y = 3x - 1 + noise with a hand-written gradient-descent loop on Nabla
 * tensors and autograd, printing the loss as it falls.
 */
import * as nb from '../src/index.js';

nb.manualSeed(0);
const x = nb.randn([256, 1]);
const y = x.mul(3).sub(1).add(nb.randn([256, 1]).mul(0.1));

const w = nb.zeros([1, 1], { requiresGrad: true });
const b = nb.zeros([1], { requiresGrad: true });
const lr = 0.1;

for (let step = 0; step <= 100; step++) {
  const loss = nb.linear(x, w, b).sub(y).square().mean();
  loss.backward();
  nb.noGrad(() => {
    w.sub_(w.grad!.mul(lr));
    b.sub_(b.grad!.mul(lr));
  });
  w.grad = null;
  b.grad = null;
  if (step % 20 === 0) console.log(`step ${String(step).padStart(3)}  loss ${loss.item().toFixed(6)}`);
}
console.log(`learned w = ${w.item().toFixed(3)} (true 3), b = ${b.item().toFixed(3)} (true -1)`);
