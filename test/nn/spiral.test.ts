import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { F, nn, optim } from '../../src/index.js';

/** The CS231n spiral: `perClass` points on each of `classes` interleaved arms, with angular noise. */
function spiral(perClass: number, classes: number, generator: nb.Generator): { x: nb.Tensor; y: nb.Tensor } {
  const points: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / (perClass - 1);
      const noise = nb.randn([1], { generator }).item() * 0.2;
      const theta = (c * 4) + (4 * i) / (perClass - 1) + noise;
      points.push(r * Math.sin(theta), r * Math.cos(theta));
      labels.push(c);
    }
  }
  return { x: nb.tensor(points).reshape(perClass * classes, 2), y: nb.tensor(labels, { dtype: 'int32' }) };
}

test('a two-layer MLP trained with Adam fits the spiral data set (>= 95% training accuracy)', () => {
  nb.manualSeed(0);
  const { x, y } = spiral(100, 3, new nb.Generator(1));
  const model = new nn.Sequential(new nn.Linear(2, 100), new nn.ReLU(), new nn.Linear(100, 3));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.02 });
  const started = Date.now();
  let accuracy = 0;
  for (let step = 0; step < 500 && accuracy < 0.97; step++) {
    const logits = model.forward(x);
    const loss = F.crossEntropy(logits, y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    if (step % 25 === 24) accuracy = nb.noGrad(() => model.forward(x).argmax(1).eq(y).float().mean().item());
  }
  const seconds = (Date.now() - started) / 1000;
  assert.ok(accuracy >= 0.95, `training accuracy ${accuracy}`);
  assert.ok(seconds < 20, `took ${seconds} s`);
});
