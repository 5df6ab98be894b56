/**
 * What the Chromium test (chromium.test.ts) runs inside a real page: every op-table sample against
 * PyTorch on both backends, a small training loop on the wasm backend (on Web Worker threads when
 * the page is cross-origin isolated), and a safetensors round trip. The outcome goes to
 * `window.nablaResult` for the test to read.
 */
import * as nb from '../../src/index.js';
import { opTable } from '../../src/ops/index.js';
import { opSampleMismatches, type OpFixture } from '../helpers/golden.js';

export interface BrowserReport {
  crossOriginIsolated: boolean;
  backend: { simd: string; sharedMemory: boolean; threads: number; workersRunning: number; workerChunks: number } | null;
  golden: Record<string, { checked: number; failures: string[] }>;
  training: { firstLoss: number; lastLoss: number; accuracy: number; threadsUsed: number; matmulError: number; startedBeforeAnyKernel: number };
  safetensors: { keys: number; maxDifference: number };
}

function goldens(fixtures: OpFixture[]): { checked: number; failures: string[] } {
  const byName = new Map(fixtures.map((e) => [e.name, e.samples]));
  let checked = 0;
  const failures: string[] = [];
  for (const entry of opTable) {
    const samples = byName.get(entry.name);
    if (!samples) {
      failures.push(`${entry.name}: no fixture`);
      continue;
    }
    for (const dtype of ['float64', 'float32'] as const) {
      samples.forEach((s, k) => {
        checked++;
        try {
          const problems = opSampleMismatches(entry, s, k, dtype);
          if (problems.length > 0) failures.push(`${entry.name} #${k} ${dtype}: ${problems[0]}`);
        } catch (error) {
          failures.push(`${entry.name} #${k} ${dtype} threw: ${(error as Error).message}`);
        }
      });
    }
  }
  return { checked, failures };
}

async function run(): Promise<BrowserReport> {
  // Importing started the Web Workers: they run while the page yields, before any kernel asks for them.
  for (let waited = 0; waited < 10_000 && (nb.wasmBackendInfo()?.workersRunning ?? 0) < nb.getNumThreads() - 1; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startedBeforeAnyKernel = nb.wasmBackendInfo()?.workersRunning ?? 0;
  await nb.ready();
  const fixtures = (await (await fetch('ops.json')).json()) as OpFixture[];
  // Products large enough to be split over the threads (a few, so a worker slow to wake on a busy
  // machine still takes part), the last one checked against the reference.
  const a = nb.randn([384, 384]);
  const b = nb.randn([384, 384]);
  let fast = nb.matmul(a, b);
  for (let k = 0; k < 50 && (nb.wasmBackendInfo()?.workerChunks ?? 0) === 0; k++) fast = nb.matmul(a, b);
  nb.setBackend('cpu');
  const reference = nb.matmul(a, b);
  nb.setBackend('wasm');
  const matmulError = fast.sub(reference).abs().max().item();
  const golden: BrowserReport['golden'] = {};
  for (const backend of ['cpu', 'wasm']) {
    nb.setBackend(backend);
    golden[backend] = goldens(fixtures);
  }
  nb.setBackend('wasm');


  nb.manualSeed(0);
  const digits = nb.data.loadDigits();
  const x = digits.features.div(16);
  const model = new nb.nn.Sequential(new nb.nn.Linear(64, 64), new nb.nn.ReLU(), new nb.nn.Linear(64, 10));
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: 0.01 });
  const loader = new nb.data.DataLoader(new nb.data.TensorDataset(x, digits.labels), { batchSize: 64, shuffle: true, seed: 0 });
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let epoch = 0; epoch < 5; epoch++) {
    for (const [xb, yb] of loader) {
      const loss = nb.F.crossEntropy(model.forward(xb), yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      lastLoss = loss.item();
      if (Number.isNaN(firstLoss)) firstLoss = lastLoss;
    }
  }
  const accuracy = model.forward(x).argmax(1).eq(digits.labels).float().mean().item();

  const bytes = nb.io.stateDictToBytes(model);
  const copy = new nb.nn.Sequential(new nb.nn.Linear(64, 64), new nb.nn.ReLU(), new nb.nn.Linear(64, 10));
  nb.io.loadStateDictFromBytes(copy, bytes);
  const maxDifference = copy.forward(x).sub(model.forward(x)).abs().max().item();
  const after = nb.wasmBackendInfo();

  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    backend: after === null ? null : { simd: after.simd, sharedMemory: after.sharedMemory, threads: after.threads, workersRunning: after.workersRunning, workerChunks: after.workerChunks },
    golden,
    training: { firstLoss, lastLoss, accuracy, threadsUsed: nb.getNumThreads(), matmulError, startedBeforeAnyKernel },
    safetensors: { keys: Object.keys(copy.stateDict()).length, maxDifference },
  };
}

const target = globalThis as { nablaResult?: BrowserReport | { error: string } };
run().then(
  (report) => (target.nablaResult = report),
  (error: unknown) => (target.nablaResult = { error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) }),
);
