/**
 * A/B of the engine's gradient recycling (setGradientRecycling) on the small networks' training
 * steps, interleaved in one process at one thread: CPU time per step (median over rounds) and
 * garbage collections per variant. `--nodes` lists each workload's graph nodes instead.
 *   node --import tsx bench/recycle-ab.ts [rounds] [--nodes]
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import * as nb from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { Node } from '../src/autograd/node.js';
import { setGradientRecycling } from '../src/autograd/engine.js';
import { lenet } from './nabla.js';

const { nn, optim, F } = nb;

type Step = () => Tensor;

function mlp(): Step {
  nb.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.randn([128, 784]);
  const y = nb.randint(0, 10, [128]);
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
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
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const x = nb.rand([64, 1, 28, 28]);
  const y = nb.randint(0, 10, [64]);
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
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

const rounds = Number(args[0] ?? 15);
let majorGcs = 0;
let minorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
    else minorGcs++;
  }
}).observe({ entryTypes: ['gc'] });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const [name, { make, steps }] of Object.entries(workloads)) {
  const variants = { off: make(), on: make() };
  const times: Record<string, number[]> = { off: [], on: [] };
  const gcs: Record<string, { major: number; minor: number }> = { off: { major: 0, minor: 0 }, on: { major: 0, minor: 0 } };
  for (let r = -2; r < rounds; r++) {
    for (const key of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      setGradientRecycling(key === 'on');
      const [major0, minor0] = [majorGcs, minorGcs];
      const t0 = cpuMs();
      for (let s = 0; s < steps; s++) variants[key]();
      const t = (cpuMs() - t0) / steps;
      // GC entries arrive asynchronously: give the observer a turn before reading the counters.
      await new Promise((resolve) => setImmediate(resolve));
      if (r < 0) continue;
      times[key]!.push(t);
      gcs[key]!.major += majorGcs - major0;
      gcs[key]!.minor += minorGcs - minor0;
    }
  }
  const [off, on] = [median(times.off!), median(times.on!)];
  const per = (n: number): string => (n / (rounds * steps)).toFixed(3);
  console.log(
    `${name}: CPU ms/step off ${off.toFixed(2)} on ${on.toFixed(2)} (${(((off - on) / off) * 100).toFixed(1)}% less); ` +
      `major GCs/step off ${per(gcs.off!.major)} on ${per(gcs.on!.major)}; minor GCs/step off ${per(gcs.off!.minor)} on ${per(gcs.on!.minor)}`,
  );
}
setGradientRecycling(true);
