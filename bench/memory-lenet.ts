/**
 * Where a small network's training process spends its memory: trains LeNet-5 (batch 64, Adam 1e-3)
 * on Fashion-MNIST for a number of steps and prints, after each phase, the resident set (now and
 * its peak, VmHWM), the JS heap, array buffers outside the heap, and WebAssembly memory.
 *
 *   npx tsx bench/memory-lenet.ts [--steps=300] [--threads=N] [--data=DIR] [--synthetic | --float32] [--eval]
 *
 * By default the dataset is loaded with `fashionMnist(dir, { images: 'uint8' })`: the images stay
 * the file's bytes (47 MiB for the training set) and each batch of 64 is scaled to float32 as it
 * is drawn, as torchvision does. `--float32` loads them as float32 tensors (188 MiB for the
 * training images), as Nabla did before; `--synthetic` trains on 6,400
 * random images (the process without the dataset). `--eval` adds a test-set pass in batches of
 * 1000, as the benchmark's epoch does. tsx itself takes ~70 MiB (its loader runs on a thread of
 * its own): for the process alone, bundle first, e.g.
 * `npx esbuild bench/memory-lenet.ts --bundle --platform=node --format=esm --outfile=/tmp/m.mjs`,
 * then `node /tmp/m.mjs --data=DIR ...`. Run it in a fresh process: the peak is the process's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import * as nb from '../src/index.js';
import { fashionMnist } from '../src/data/node.js';
import { lenet } from './nabla.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const [key, value] = a.replace(/^--/, '').split('=');
  return [key!, value ?? 'true'] as const;
}));
const known = new Set(['steps', 'threads', 'data', 'synthetic', 'float32', 'eval']);
for (const key of args.keys()) if (!known.has(key)) throw new Error(`memory-lenet: unknown option --${key} (known: ${[...known].join(', ')})`);
const steps = Number(args.get('steps') ?? 300);
if (!Number.isInteger(steps) || steps < 1) throw new Error(`memory-lenet: --steps must be a positive integer, got ${args.get('steps')}`);
if (args.has('threads')) nb.setNumThreads(Number(args.get('threads')));
const dir = args.get('data') ?? fileURLToPath(new URL('../../shared/datasets/fashion-mnist', import.meta.url));

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** VmRSS and VmHWM (the peak) from /proc, in bytes; undefined outside Linux. */
function procStatus(): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync('/proc/self/status', 'utf8');
    const kib = (key: string): number => Number(/(\d+) kB/.exec(text.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS:'), hwm: kib('VmHWM:') };
  } catch {
    return undefined;
  }
}

/**
 * The resident set by kind of mapping, in bytes, from /proc/self/smaps: WebAssembly memory (the
 * accessible mapping of exactly `wasmBytes` bytes right below the rest of the engine's
 * inaccessible reservation of several GiB; only pages touched count), the malloc heap (typed arrays' backing stores), other
 * anonymous memory (V8's heaps, thread stacks, malloc's thread arenas) and files (code).
 * Undefined outside Linux.
 */
function smapsBreakdown(wasmBytes: number): { wasm: number; heap: number; anon: number; file: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return undefined;
  }
  const maps: { start: number; end: number; perms: string; name: string; rss: number }[] = [];
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header !== null) maps.push({ start: parseInt(header[1]!, 16), end: parseInt(header[2]!, 16), perms: header[3]!, name: header[4]!, rss: 0 });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && maps.length > 0) maps[maps.length - 1]!.rss = Number(rss[1]) * 1024;
  }
  const out = { wasm: 0, heap: 0, anon: 0, file: 0 };
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    const reservedAfter = next !== undefined && next.start === m.end && next.perms.startsWith('---') && next.end - next.start >= 2 ** 30;
    if (m.name === '[heap]') out.heap += m.rss;
    else if (m.name.startsWith('/')) out.file += m.rss;
    else if (m.name === '' && m.end - m.start === wasmBytes && reservedAfter) out.wasm += m.rss;
    else out.anon += m.rss;
  });
  return out;
}

const rows: string[] = [];
function phase(name: string, extra = ''): void {
  const usage = process.memoryUsage();
  const proc = procStatus();
  const heap = getHeapStatistics();
  const info = nb.wasmBackendInfo();
  const maps = smapsBreakdown(info?.memoryBytes ?? -1);
  const split = maps === undefined ? 'n/a' : `${mib(maps.wasm)} / ${mib(maps.heap)} / ${mib(maps.anon)} / ${mib(maps.file)}`;
  rows.push(
    `| ${name} | ${mib(usage.rss)} | ${mib(proc?.hwm ?? process.resourceUsage().maxRSS * 1024)} | ${mib(usage.heapUsed)} / ${mib(heap.total_heap_size)} | ` +
      `${mib(usage.arrayBuffers)} | ${mib(info?.memoryBytes ?? 0)} | ${split} | ${info?.workersRunning ?? 0} | ${extra} |`,
  );
}

phase('after import');

/** Training images by index: `batch(idx)` is a [64, 1, 28, 28] float32 tensor in [0, 1]. */
interface Images {
  count: number;
  batch(idx: nb.Tensor): nb.Tensor;
}
let train: Images;
let labels: nb.Tensor;
/** Test images `size` at a time from `start`, as float32. */
let test: { count: number; images(start: number, size: number): nb.Tensor; labels: nb.Tensor };
if (args.has('synthetic')) {
  nb.manualSeed(1);
  const images = nb.rand([6400, 1, 28, 28]);
  train = { count: 6400, batch: (idx) => nb.indexSelect(images, 0, idx) };
  labels = nb.randint(0, 10, [6400]);
  const testImages = nb.rand([2000, 1, 28, 28]);
  test = { count: 2000, images: (start, size) => testImages.narrow(0, start, size), labels: nb.randint(0, 10, [2000]) };
  phase('synthetic data (6,400 + 2,000 images)');
} else if (args.has('float32')) {
  const data = fashionMnist(dir);
  const images = data.train.images;
  train = { count: images.shape[0]!, batch: (idx) => nb.indexSelect(images, 0, idx) };
  labels = data.train.labels;
  test = { count: data.test.images.shape[0]!, images: (start, size) => data.test.images.narrow(0, start, size), labels: data.test.labels };
  phase('dataset loaded (float32)');
} else {
  const data = fashionMnist(dir, { images: 'uint8' });
  const images = data.train.images;
  train = { count: images.length, batch: (idx) => images.batch(idx) };
  labels = data.train.labels;
  test = { count: data.test.images.length, images: (start, size) => data.test.images.narrow(0, start, size).toTensor(), labels: data.test.labels };
  phase('dataset loaded (images as bytes)');
}

nb.manualSeed(0);
const model = lenet();
const opt = new nb.optim.Adam(model.parameters(), { lr: 1e-3 });
const order = nb.randperm(train.count);
const times: number[] = [];
for (let step = 0; step < steps; step++) {
  const idx = order.narrow(0, (step * 64) % (train.count - 64), 64);
  const t0 = performance.now();
  opt.zeroGrad();
  nb.F.crossEntropy(model.forward(train.batch(idx)), nb.indexSelect(labels, 0, idx)).backward();
  opt.step();
  times.push(performance.now() - t0);
  if (step === 0) phase('first step');
}
const sorted = [...times].sort((a, b) => a - b);
phase(`${steps} steps`, `median step ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms`);

if (args.has('eval')) {
  const correct = nb.noGrad(() => {
    let right = 0;
    for (let i = 0; i < test.count; i += 1000) {
      const size = Math.min(1000, test.count - i);
      const predicted = nb.argmax(model.forward(test.images(i, size)), 1);
      right += nb.sum(predicted.eq(test.labels.narrow(0, i, size))).item() as number;
    }
    return right;
  });
  phase('test pass (batches of 1000)', `accuracy ${((100 * correct) / test.count).toFixed(1)}%`);
}

console.log(`LeNet-5, batch 64, Adam; ${nb.getNumThreads()} threads; Node ${process.versions.node}\n`);
console.log('| phase | RSS MiB | peak RSS (VmHWM) MiB | JS heap used / total MiB | ArrayBuffers MiB | wasm memory MiB | RSS: wasm / malloc heap / other anon / files MiB | workers | |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
