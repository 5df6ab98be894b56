/** A small learnable 2-class problem and model shared by the fit() tests. */
import * as nb from '../../../src/index.js';
import { nn } from '../../../src/index.js';

/** Two shifted Gaussian clusters, labels alternating 0, 1, 0, ... */
export function clusters(n: number, seed: number): [nb.Tensor, nb.Tensor] {
  const g = new nb.Generator(seed);
  const x = nb.randn([n, 2], { generator: g }).mul(0.5);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  const y = nb.tensor(labels);
  const shift = y.float().mul(2).sub(1).unsqueeze(1).mul(nb.tensor([1.5, -1]));
  return [x.add(shift), y];
}

/** Consecutive batches of `size` (the last one shorter when size does not divide n). */
export function batches(x: nb.Tensor, y: nb.Tensor, size: number): [nb.Tensor, nb.Tensor][] {
  const out: [nb.Tensor, nb.Tensor][] = [];
  for (let i = 0; i < x.shape[0]!; i += size) {
    const len = Math.min(size, x.shape[0]! - i);
    out.push([x.narrow(0, i, len), y.narrow(0, i, len)]);
  }
  return out;
}

/** A seeded 2-16-2 MLP. */
export function model(): nn.Sequential {
  nb.manualSeed(0);
  return new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 2));
}

/** A model with two outputs (2 class scores and 1 regression value) over one shared layer. */
export class TwoHeads extends nn.Module {
  body = new nn.Linear(2, 8);
  a = new nn.Linear(8, 2);
  b = new nn.Linear(8, 1);
  forward(input: nb.Tensor): nb.Tensor[] {
    const h = this.body.forward(input).relu();
    return [this.a.forward(h), this.b.forward(h)];
  }
}
