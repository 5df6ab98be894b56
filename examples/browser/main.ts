/**
 * The browser demo (served by `nabla serve examples/browser`, which bundles this file with
 * esbuild): trains a small conv-pool-conv-pool-dense net on the bundled 8x8 digits, drawing the
 * loss per epoch, then classifies what the user draws on the canvas. Training yields to the event
 * loop after every batch, so the page keeps painting and answering input while it learns.
 * The page's progress is also published on `globalThis.nablaDemo` (the Chromium test reads it).
 */
import * as nb from '../../src/index.js';

const EPOCHS = 12;
const BATCH_SIZE = 32;
/** Every fifth digit is held out: the accuracy the page reports is on digits it never trained on. */
const HOLD_OUT_EVERY = 5;

export interface DemoState {
  phase: 'loading' | 'training' | 'ready' | 'failed';
  backend: string;
  threads: number;
  epoch: number;
  losses: number[];
  testAccuracy: number;
  /** The last drawing, downsampled to 8x8 values 0..16 as the digits data are, row-major. */
  drawing: number[];
  prediction: number | null;
  error?: string;
}

const state: DemoState = { phase: 'loading', backend: '', threads: 1, epoch: 0, losses: [], testAccuracy: NaN, drawing: [], prediction: null };
(globalThis as { nablaDemo?: DemoState }).nablaDemo = state;

const element = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
};

function digitsCnn(): nb.nn.Sequential {
  return new nb.nn.Sequential(
    new nb.nn.Conv2d(1, 16, 3, { padding: 'same' }),
    new nb.nn.ReLU(),
    new nb.nn.MaxPool2d(2),
    new nb.nn.Conv2d(16, 32, 3, { padding: 'same' }),
    new nb.nn.ReLU(),
    new nb.nn.MaxPool2d(2),
    new nb.nn.Flatten(),
    new nb.nn.Linear(32 * 2 * 2, 64),
    new nb.nn.ReLU(),
    new nb.nn.Linear(64, 10),
  );
}

/** Lets the browser paint and handle input (a macrotask, unlike an awaited resolved promise). */
const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function drawChart(): void {
  element('chart').innerHTML = nb.plot.lineChart([{ label: 'training loss', y: state.losses }], {
    title: 'Loss per epoch', xLabel: 'epoch', yLabel: 'cross-entropy', width: 420, height: 300, xRange: [1, EPOCHS],
  });
}

async function train(): Promise<nb.nn.Sequential> {
  await nb.ready(); // the Web Worker pool is up: the first batches already run on every thread
  const info = nb.wasmBackendInfo();
  state.backend = info === null ? nb.getBackend().name : `wasm (${info.simd} SIMD)`;
  state.threads = nb.getNumThreads();
  element('backend').textContent = `Backend: ${state.backend}, ${state.threads} thread${state.threads === 1 ? '' : 's'}` +
    (info?.sharedMemory === true ? '' : ' (no cross-origin isolation, so no shared memory: one thread)');

  nb.manualSeed(0);
  const digits = nb.data.loadDigits();
  const images = digits.images.div(16);
  const n = digits.labels.shape[0]!;
  const testIndex = nb.arange(0, n, HOLD_OUT_EVERY, { dtype: 'int32' });
  const trainIndex = nb.tensor(Array.from({ length: n }, (_, i) => i).filter((i) => i % HOLD_OUT_EVERY !== 0), { dtype: 'int32' });
  const [xTrain, yTrain] = [images.indexSelect(0, trainIndex), digits.labels.indexSelect(0, trainIndex)];
  const [xTest, yTest] = [images.indexSelect(0, testIndex), digits.labels.indexSelect(0, testIndex)];

  const model = digitsCnn();
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: 0.005 });
  const loader = new nb.data.DataLoader(new nb.data.TensorDataset(xTrain, yTrain), { batchSize: BATCH_SIZE, shuffle: true, seed: 0 });
  state.phase = 'training';
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    model.train();
    let total = 0;
    let count = 0;
    for (const [xb, yb] of loader) {
      const loss = nb.F.crossEntropy(model.forward(xb), yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      total += loss.item() * xb.shape[0]!;
      count += xb.shape[0]!;
      await yieldToPage();
    }
    model.eval();
    state.testAccuracy = nb.noGrad(() => model.forward(xTest).argmax(1).eq(yTest).float().mean().item());
    state.losses.push(total / count);
    state.epoch = epoch;
    drawChart();
    element('status').textContent = `Epoch ${epoch}/${EPOCHS}: loss ${(total / count).toFixed(4)}, ` +
      `accuracy on ${yTest.shape[0]} held-out digits ${(100 * state.testAccuracy).toFixed(1)}%`;
  }
  return model;
}

/**
 * The drawing as the digits data store an image: 8x8 cells, each the share of the cell that is
 * inked, scaled to 0..16 (sklearn's digits are 32x32 bitmaps counted in 4x4 blocks the same way).
 */
function downsample(canvas: HTMLCanvasElement): number[] {
  const context = canvas.getContext('2d')!;
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const cellW = canvas.width / 8;
  const cellH = canvas.height / 8;
  const cells: number[] = [];
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 8; col++) {
      let ink = 0;
      for (let y = Math.floor(row * cellH); y < Math.floor((row + 1) * cellH); y++) {
        for (let x = Math.floor(col * cellW); x < Math.floor((col + 1) * cellW); x++) ink += data[(y * canvas.width + x) * 4 + 3]! / 255;
      }
      cells.push(Math.round((16 * ink) / (cellW * cellH)));
    }
  }
  return cells;
}

function setUpBoard(onDrawn: (cells: number[]) => void): void {
  const canvas = element('board') as HTMLCanvasElement;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.lineWidth = canvas.width / 8;
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.strokeStyle = '#000';
  let drawing = false;
  const point = (event: PointerEvent): [number, number] => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    const [x, y] = point(event);
    context.beginPath();
    context.moveTo(x, y);
    context.lineTo(x, y);
    context.stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
  });
  const finish = (): void => {
    if (!drawing) return;
    drawing = false;
    onDrawn(downsample(canvas));
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointerleave', finish);
  element('clear').addEventListener('click', () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    state.drawing = [];
    state.prediction = null;
    element('prediction').textContent = '';
    element('probabilities').textContent = '';
  });
}

async function main(): Promise<void> {
  let model: nb.nn.Sequential | null = null;
  setUpBoard((cells) => {
    state.drawing = cells;
    if (model === null) {
      element('prediction').textContent = '…';
      element('probabilities').textContent = 'still training';
      return;
    }
    const trained = model;
    const probabilities = nb.noGrad(() => nb.F.softmax(trained.forward(nb.tensor(cells).reshape([1, 1, 8, 8]).div(16)), 1));
    const p = Array.from(probabilities.toTypedArray());
    state.prediction = p.indexOf(Math.max(...p));
    element('prediction').textContent = String(state.prediction);
    element('probabilities').textContent = p.map((v, digit) => `${digit}: ${'█'.repeat(Math.round(v * 20)).padEnd(20)} ${(100 * v).toFixed(1)}%`).join('\n');
  });
  drawChart();
  model = await train();
  state.phase = 'ready';
  element('status').textContent += ' Done: draw a digit.';
}

main().catch((error: unknown) => {
  state.phase = 'failed';
  state.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  element('status').textContent = `Failed: ${state.error}`;
});
