/**
 * A/B of the engine's gradient recycling (setGradientRecycling) on the small networks' training
 * steps at one thread, by CPU time per step:
 *   node --import tsx bench/recycle-ab.ts [rounds]       both variants interleaved in one process (medians)
 *   node --trace-gc --import tsx bench/recycle-ab.ts --solo lstm on 30
 *                                                        one variant alone, GCs traced between START and END
 *   node --import tsx bench/recycle-ab.ts --nodes        each workload's graph nodes (* : not privateGradients)
 * In one process the variants share the heap, so each gets the GCs both cause: --solo shows the GCs.
 */
import * as nb from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { Node } from '../src/autograd/node.js';
import { setGradientRecycling } from '../src/autograd/engine.js';
import { lenet, mlpModel } from './nabla.js';

const { nn, optim, F } = nb;

type Step = () => Tensor;

/** A classifier's Adam step (lr 1e-3) on the fixed batch (x, y), as the benchmark's MLP and LeNet rows train. */
function classifierStep(model: nb.nn.Sequential, x: Tensor, y: Tensor): Step {
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

function mlp(): Step {
  nb.manualSeed(0);
  const model = mlpModel();
  return classifierStep(model, nb.randn([128, 784]), nb.randint(0, 10, [128]));
}

function lstm(): Step {
  nb.manualSeed(0);
  const layer = new nn.LSTM(64, 128, { batchFirst: true });
  const x = nb.randn([32, 50, 64]).requiresGrad_();
  return () => {
    x.grad = null;
    layer.zeroGrad();
    const [out] = layer.forward(x);
    const loss = out.sum();
    loss.backward();
    return loss;
  };
}

function lenetStep(): Step {
  nb.manualSeed(0);
  const model = lenet();
  return classifierStep(model, nb.rand([64, 1, 28, 28]), nb.randint(0, 10, [64]));
}

const workloads: Record<string, { make: () => Step; steps: number }> = {
  mlp: { make: mlp, steps: 20 },
  lstm: { make: lstm, steps: 3 },
  lenet: { make: lenetStep, steps: 10 },
};

function graphNodes(root: Node): Map<string, boolean> {
  const seen = new Set<Node>([root]);
  const stack = [root];
  const names = new Map<string, boolean>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.name !== 'AccumulateGrad') names.set(node.name, node.privateGradients);
    for (const child of node.next) {
      if (child === null || seen.has(child)) continue;
      seen.add(child);
      stack.push(child);
    }
  }
  return names;
}

nb.setNumThreads(1);
const args = process.argv.slice(2);
if (args.includes('--nodes')) {
  for (const [name, { make }] of Object.entries(workloads)) {
    const step = make();
    // The graph of one forward, walked before backward frees nothing of it.
    setGradientRecycling(false);
    const loss = nb.enableGrad(() => step());
    console.log(name, loss.gradFn === null ? '(no graph kept)' : [...graphNodes(loss.gradFn)].map(([n, p]) => `${n}${p ? '' : '*'}`).join(' '));
  }
  process.exit(0);
}

if (args[0] === '--solo') {
  const [, name, mode, count] = args;
  const workload = workloads[name ?? ''];
  if (workload === undefined || (mode !== 'on' && mode !== 'off')) throw new Error('usage: --solo mlp|lstm|lenet on|off [steps]');
  setGradientRecycling(mode === 'on');
  const step = workload.make();
  const steps = Number(count ?? 10 * workload.steps);
  for (let s = 0; s < 3; s++) step();
  console.log('START');
  const start = process.cpuUsage();
  for (let s = 0; s < steps; s++) step();
  const used = process.cpuUsage(start);
  console.log('END');
  console.log(`${name} recycling ${mode}: CPU ${((used.user + used.system) / 1000 / steps).toFixed(2)} ms/step over ${steps} steps`);
  process.exit(0);
}

const rounds = Number(args[0] ?? 15);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const [name, { make, steps }] of Object.entries(workloads)) {
  const variants = { off: make(), on: make() };
  const times: Record<string, number[]> = { off: [], on: [] };
  for (let r = -2; r < rounds; r++) {
    for (const key of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      setGradientRecycling(key === 'on');
      const t0 = cpuMs();
      for (let s = 0; s < steps; s++) variants[key]();
      if (r >= 0) times[key]!.push((cpuMs() - t0) / steps);
    }
  }
  const [off, on] = [median(times.off!), median(times.on!)];
  console.log(`${name}: CPU ms/step off ${off.toFixed(2)} on ${on.toFixed(2)} (${(((off - on) / off) * 100).toFixed(1)}% less)`);
}
setGradientRecycling(true);
