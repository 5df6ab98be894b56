/**
 * `npm run bench`: the issue's workloads side by side: Nabla (wasm backend at all cores and at 1
 * thread; the reference cpu backend for small cases), TensorFlow.js (cpu and wasm backends),
 * PyTorch (Debian's /usr/bin/python3 build) under every configuration of torch threads x OpenBLAS
 * threads, and the measured 128-bit FMA ceiling beside the matmul rows. Prints medians with their
 * spread, a targets table, and writes bench/RESULTS.md between its markers.
 *
 *   npm run bench                       everything (estimated ~6 min on a quiet 2-core machine, plus
 *                                       word2vec and t-SNE; bench/RESULTS.md records each run's time)
 *   npm run bench -- --quick            fewer rounds, a third of a LeNet-5 epoch
 *   npm run bench -- --only=matmul,mlp  a subset, by workload id (matmul, mlp, conv, lstm, lenet,
 *                                       resnet18-train, transformer-train, resnet18-infer,
 *                                       mobilenetv2-infer, overhead, memory, word2vec, tsne)
 *   npm run bench -- --no-write         do not touch bench/RESULTS.md
 *   npm run bench -- --no-torch         skip PyTorch
 *   npm run bench -- --torch=1x1,2x1    only these PyTorch configurations (torch threads x OpenBLAS threads)
 *   BENCH_VERBOSE=1 npm run bench       show what the contenders' processes print
 *
 * Every contender runs in its own process, started fresh for each workload (bench/harness.ts):
 * Nabla, tfjs and the ceiling each from a bundle of bench/<side>.ts in plain `node` (under tsx
 * through bench/child.ts when bundling fails), PyTorch in bench/torch_worker.py.
 * The contenders of a workload take turns in interleaved rounds, one at a time, the others asleep.
 *
 * Adding a workload (one entry each side):
 *   1. Nabla side: a builder in a side module's `workloads` (bench/nabla.ts, or a new
 *      bench/<file>.ts exporting `side: Side`). It gets the workload's `spec` and the contender's
 *      options and returns the step to time (or `{ step, finish }`, finish returning figures such
 *      as test accuracy for the table).
 *   2. PyTorch side: a builder in WORKLOADS of bench/torch_worker.py (same id; it gets the spec as
 *      a dict and returns `step` or `(step, finish)`). Zero gradients with zero_grad(set_to_none=True).
 *      Other JavaScript contenders (onnxruntime-web, ...) are sides like Nabla's: bench/<side>.ts,
 *      started with `node('<row name>', '<group>', '<side>', options)` below.
 *   3. Here: one entry in WORKLOADS (id, title, spec, rounds, contenders: usually
 *      `[...nablaRows(), ...torchRows()]`, `training: true` for peak RSS), and where the issue sets
 *      a target, one line in TARGETS naming the workload id and the groups compared.
 * Then `npm run bench -- --only=<id> --quick --no-write` checks it.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runWorkload, startNodeSide, type ContenderSpec, type Timing, type Workload } from './harness.js';
import { configName, OPENBLAS_CORETYPE, startTorch, torchGrid, type TorchConfig } from './torch.js';
import { DEFAULT_EXPORT_DIR, EXPORTED_MODELS, exportedModel, NotExported } from './exported.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noTorch = args.includes('--no-torch');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (id: string): boolean => only === undefined || only.includes(id);
const DATASET = fileURLToPath(new URL('../../shared/datasets/fashion-mnist', import.meta.url));
const cores = cpus().length;
const torchOnly = args.find((a) => a.startsWith('--torch='))?.slice('--torch='.length).split(',');
/** The PyTorch configurations to run: the whole grid, or those `--torch=` names. */
const torchConfigs = (): TorchConfig[] => torchGrid(cores).filter((c) => torchOnly === undefined || torchOnly.includes(`${c.torchThreads}x${c.blasThreads}`));
const rounds = (full: number): number => (quick ? Math.max(3, Math.ceil(full / 3)) : full);

const lines: string[] = [];
function out(line = ''): void {
  console.log(line);
  lines.push(line);
}

const START = '<!-- npm run bench: start -->';
const END = '<!-- npm run bench: end -->';

// ---- contenders -------------------------------------------------------------------------------

/** A JavaScript contender: bench/<side>.ts in its own process, with these options for its `init`. */
function node(name: string, group: string, side: string, options: Record<string, unknown> = {}, extra: Partial<ContenderSpec> = {}): ContenderSpec {
  return { name, group, start: () => startNodeSide(name, side, options), ...extra };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const NABLA = `Nabla wasm, ${plural(cores, 'thread')}`;
/** Nabla's threads poll ~100 us after a kernel before they sleep. */
const NABLA_SETTLE_MS = 5;

/** Nabla at all cores (group 'nabla'), and at 1 thread (group 'nabla-1t', the equal-threads comparison with tfjs-wasm). */
function nablaRows(): ContenderSpec[] {
  return [
    node(NABLA, 'nabla', 'nabla', { backend: 'wasm', threads: cores }, { settleMs: NABLA_SETTLE_MS }),
    ...(cores > 1 ? [node('Nabla wasm, 1 thread', 'nabla-1t', 'nabla', { backend: 'wasm', threads: 1 })] : []),
  ];
}

function tfjsRow(backend: 'wasm' | 'cpu', extra: Partial<ContenderSpec> = {}): ContenderSpec {
  return node(backend === 'wasm' ? 'tfjs wasm (1 thread)' : 'tfjs cpu', `tfjs-${backend}`, 'tfjs', { backend }, extra);
}

/**
 * OpenBLAS's threads spin ~130 ms after a multi-threaded product before they sleep; torch's
 * OpenMP threads spin well under a millisecond.
 */
const torchSettleMs = (c: TorchConfig): number => (c.blasThreads > 1 ? 200 : c.torchThreads > 1 ? 20 : 0);

/** PyTorch under every configuration of the grid (group 'torch': its best median stands for PyTorch). */
function torchRows(): ContenderSpec[] {
  return torchConfigs().map((config) => {
    const name = `PyTorch, ${configName(config)}`;
    return {
      name, group: 'torch', start: () => startTorch(name, config), settleMs: torchSettleMs(config),
      ...(noTorch ? { skip: '--no-torch' } : {}),
    };
  });
}

/** The model rows' Nabla side (bench/models.ts) at all cores and at 1 thread, groups as nablaRows(). */
function modelRows(): ContenderSpec[] {
  return [
    node(NABLA, 'nabla', 'models', { threads: cores }, { settleMs: NABLA_SETTLE_MS }),
    ...(cores > 1 ? [node('Nabla wasm, 1 thread', 'nabla-1t', 'models', { threads: 1 })] : []),
  ];
}

/**
 * The inference rows' models, exported by torch once for the whole run (bench/exported.ts), so
 * every contender reads the same files; the reason they cannot be, which skips those rows.
 */
function exportInferenceModels(): string | undefined {
  if (!wanted('resnet18-infer') && !wanted('mobilenetv2-infer')) return undefined;
  try {
    for (const name of EXPORTED_MODELS) exportedModel(name);
    return undefined;
  } catch (error) {
    if (error instanceof NotExported) return error.message;
    throw error;
  }
}
const exportSkip = exportInferenceModels();
if (exportSkip !== undefined) console.log(`bench: the inference rows are skipped: ${exportSkip}`);

/** onnxruntime-web (wasm backend, in Node; bench/ort.ts) at all cores and at 1 thread: groups 'ort' and 'ort-1t'. */
function ortRows(): ContenderSpec[] {
  const skip = exportSkip === undefined ? {} : { skip: exportSkip };
  return [
    node(`onnxruntime-web wasm, ${plural(cores, 'thread')}`, 'ort', 'ort', { threads: cores }, skip),
    ...(cores > 1 ? [node('onnxruntime-web wasm, 1 thread', 'ort-1t', 'ort', { threads: 1 }, skip)] : []),
  ];
}

/** An inference row's contenders: Nabla (eval mode, noGrad, conv + batch norm fused), onnxruntime-web, PyTorch (eval, no_grad). */
function inferenceRows(): ContenderSpec[] {
  const rows = [...modelRows(), ...ortRows(), ...torchRows()];
  return exportSkip === undefined ? rows : rows.map((r) => ({ ...r, skip: exportSkip }));
}

// ---- workloads --------------------------------------------------------------------------------

const LENET_BATCH = 64;
const LENET_CHUNK = 94; // batches per timed step: 6,016 images, about a tenth of an epoch

const WORKLOADS: Workload[] = [
  {
    id: 'matmul', title: 'matmul 1024x1024 (float32)', flops: 2 * 1024 ** 3, spec: { size: 1024 }, rounds: rounds(9),
    contenders: [
      ...nablaRows(),
      node('Nabla wasm, 1 thread, plain SIMD (no FMA)', 'nabla-plain', 'nabla', { backend: 'wasm', threads: 1, plainSimd: true }),
      node(`128-bit FMA ceiling, ${plural(cores, 'thread')}`, 'ceiling', 'ceiling', { threads: cores }, { settleMs: NABLA_SETTLE_MS }),
      ...(cores > 1 ? [node('128-bit FMA ceiling, 1 thread', 'ceiling-1t', 'ceiling', { threads: 1 })] : []),
      tfjsRow('wasm'),
      tfjsRow('cpu', { skip: 'skipped at 1024: under 1 GFLOP/s (see the 256 case)' }),
      ...torchRows(),
    ],
  },
  {
    id: 'matmul', title: 'matmul 256x256 (float32)', flops: 2 * 256 ** 3, spec: { size: 256 }, rounds: rounds(15), stepsPerTurn: 5,
    contenders: [
      ...nablaRows(),
      node('Nabla cpu (reference)', 'nabla-cpu', 'nabla', { backend: 'cpu' }, { budgetMs: 5000 }),
      tfjsRow('wasm'),
      tfjsRow('cpu', { budgetMs: 5000 }),
      ...torchRows(),
    ],
  },
  {
    id: 'mlp', title: 'MLP 784-256-128-10, Adam step, batch 128', rounds: rounds(21), stepsPerTurn: 3, training: true,
    contenders: [
      ...nablaRows(),
      node('Nabla cpu (reference)', 'nabla-cpu', 'nabla', { backend: 'cpu' }, { budgetMs: 8000 }),
      tfjsRow('wasm'),
      tfjsRow('cpu', { budgetMs: 8000 }),
      ...torchRows(),
    ],
  },
  {
    id: 'conv', title: 'conv2d 32x64x16x16 -> 64, 3x3 same, forward + backward', rounds: rounds(11), training: true,
    contenders: [...nablaRows(), tfjsRow('wasm'), tfjsRow('cpu', { skip: 'skipped: ~111 s per step (PERF-NOTES)' }), ...torchRows()],
  },
  {
    id: 'lstm', title: 'LSTM batch 32, 50 steps, input 64, hidden 128, forward + backward', rounds: rounds(9), training: true,
    contenders: [...nablaRows(), tfjsRow('wasm', { budgetMs: 8000 }), tfjsRow('cpu', { budgetMs: 8000 }), ...torchRows()],
  },
  {
    id: 'lenet', title: `LeNet-5, Fashion-MNIST, batch ${LENET_BATCH}, Adam 1e-3: epoch time (chunks of ${LENET_CHUNK} batches, interleaved, scaled to 60,000 images)`,
    spec: { dir: DATASET, batch: LENET_BATCH, chunkBatches: LENET_CHUNK }, rounds: quick ? 3 : 10, warmupPerTurn: 0, training: true,
    scale: 60000 / (LENET_BATCH * LENET_CHUNK), unit: 'epoch',
    contenders: [
      ...nablaRows(),
      tfjsRow('wasm'),
      tfjsRow('cpu', { skip: 'skipped: ~9 s per batch, ~2 h per epoch (PERF-NOTES)' }),
      ...torchRows(),
    ],
  },
  {
    id: 'resnet18-train', title: "ResNet-18 (torchvision's tree, 10 classes, ImageNet stem) on 32x32 inputs, batch 32, SGD momentum 0.9: train step",
    rounds: rounds(7), training: true, contenders: [...modelRows(), ...torchRows()],
  },
  {
    id: 'transformer-train', title: 'Transformer encoder layer (d 256, 4 heads, feed-forward 2048, dropout 0.1 in training), seq 128, batch 16, MSE, Adam: train step',
    rounds: rounds(7), training: true, contenders: [...modelRows(), ...torchRows()],
  },
  {
    id: 'resnet18-infer', title: 'ResNet-18 224x224 batch 1 inference latency (same torch-exported weights; outputs checked against torch)',
    spec: { dir: DEFAULT_EXPORT_DIR }, rounds: rounds(11), stepsPerTurn: 3, contenders: inferenceRows(),
  },
  {
    id: 'mobilenetv2-infer', title: 'MobileNetV2 224x224 batch 1 inference latency (same torch-exported weights; outputs checked against torch)',
    spec: { dir: DEFAULT_EXPORT_DIR }, rounds: rounds(11), stepsPerTurn: 3, contenders: inferenceRows(),
  },
  {
    id: 'overhead', title: 'Per-op overhead: `a.add(b)` on 4-element tensors, end to end (dispatch, autograd record, allocation)',
    spec: { opsPerStep: 20000 }, rounds: rounds(9), scale: 1 / 20000, unit: 'op', microseconds: true,
    contenders: [
      node('Nabla wasm, requiresGrad input (graph recorded)', 'nabla', 'nabla', { backend: 'wasm', grad: true }),
      node('Nabla wasm, no grad', 'nabla-nograd', 'nabla', { backend: 'wasm', grad: false }),
    ],
  },
  {
    id: 'memory', title: 'Memory over a training loop (small conv net, Adam, batch 16): 500 steps per round',
    spec: { stepsPerStep: 500 }, rounds: quick ? 4 : 20, warmupPerTurn: 0, training: true,
    contenders: [node(NABLA, 'nabla', 'nabla', { backend: 'wasm', threads: cores })],
  },
];

// ---- targets ----------------------------------------------------------------------------------

/**
 * The issue's targets. `mine` and `vs` name groups of one workload's contenders (the best median
 * of a group stands for it); `atMost` bounds mine's time over vs's, `atLeastFraction` bounds vs's
 * time over mine's (the share of the ceiling reached, when vs is the ceiling doing the same flops).
 */
interface Target {
  workload: string;
  title?: string;
  label: string;
  mine: string;
  vs: string;
  atMost?: number;
  atLeastFraction?: number;
  stretch?: number;
}

const TARGETS: Target[] = [
  { workload: 'matmul', title: 'matmul 1024x1024 (float32)', label: `matmul 1024, ${plural(cores, 'thread')}: share of the 128-bit FMA ceiling`, mine: 'nabla', vs: 'ceiling', atLeastFraction: 0.9 },
  { workload: 'mlp', label: 'MLP 784-256-128-10 Adam step, batch 128, vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 1.5, stretch: 1.0 },
  { workload: 'lstm', label: 'LSTM B32 T50 I64 H128 fwd+bwd, vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 1.5, stretch: 1.0 },
  { workload: 'lenet', label: 'LeNet-5 Fashion-MNIST epoch (batch 64, Adam), vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 1.5, stretch: 1.0 },
  { workload: 'conv', label: 'conv2d 32x64x16x16 -> 64 3x3 fwd+bwd, vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 2, stretch: 1.5 },
  { workload: 'resnet18-train', label: 'ResNet-18 (32x32 inputs, batch 32) train step, vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 2.5, stretch: 1.5 },
  { workload: 'transformer-train', label: 'Transformer encoder layer (d 256, 4 heads, seq 128, batch 16) train step, vs PyTorch', mine: 'nabla', vs: 'torch', atMost: 2 },
  { workload: 'mobilenetv2-infer', label: `MobileNetV2 224x224 batch 1 latency, vs onnxruntime-web, ${plural(cores, 'thread')}`, mine: 'nabla', vs: 'ort', atMost: 1, stretch: 0.8 },
  { workload: 'mobilenetv2-infer', label: 'MobileNetV2 224x224 batch 1 latency, vs onnxruntime-web, 1 thread', mine: 'nabla-1t', vs: 'ort-1t', atMost: 1, stretch: 0.8 },
  { workload: 'resnet18-infer', label: `ResNet-18 224x224 batch 1 latency, vs onnxruntime-web, ${plural(cores, 'thread')}`, mine: 'nabla', vs: 'ort', atMost: 1 },
  { workload: 'resnet18-infer', label: 'ResNet-18 224x224 batch 1 latency, vs onnxruntime-web, 1 thread', mine: 'nabla-1t', vs: 'ort-1t', atMost: 1 },
];

// ---- output -----------------------------------------------------------------------------------

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

function fmtResult(result: Record<string, unknown> | undefined): string {
  if (result === undefined || result === null) return '';
  return Object.entries(result)
    .map(([k, v]) => `${k} ${k.includes('accuracy') && typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : String(v)}`)
    .join(', ');
}

/** The group's contender with the lowest median, when any of them ran. */
function best(timings: Timing[], group: string): Timing | undefined {
  return timings.filter((t) => t.group === group && t.error === undefined).sort((a, b) => a.median - b.median)[0];
}

function table(w: Workload, timings: Timing[]): void {
  const scale = w.scale ?? 1;
  const show = (ms: number): string => (w.microseconds ? `${(ms * scale * 1000).toFixed(2)} us` : fmt(ms * scale));
  const base = timings.find((t) => t.error === undefined) ?? timings[0]!;
  const withFlops = w.flops !== undefined;
  const withResults = timings.some((t) => t.result !== undefined && t.result !== null);
  out(`### ${w.title}`);
  out('');
  out(
    `| implementation | median${w.unit ? ` per ${w.unit}` : ''} | IQR | min - max |${withFlops ? ' GFLOP/s |' : ''} time vs ${base.name} |` +
      `${w.training ? ' peak RSS |' : ''}${withResults ? ' result |' : ''}`,
  );
  out(`| --- | --- | --- | --- |${withFlops ? ' --- |' : ''} --- |${w.training ? ' --- |' : ''}${withResults ? ' --- |' : ''}`);
  for (const t of timings) {
    if (t.error !== undefined) {
      out(`| ${t.name} | — | — | ${t.error} |${withFlops ? ' — |' : ''} — |${w.training ? ' — |' : ''}${withResults ? ' — |' : ''}`);
      continue;
    }
    const gflops = withFlops ? ` ${(w.flops! / t.median / 1e6).toFixed(1)} |` : '';
    const ratio = t === base ? '1' : `${(t.median / base.median).toFixed(2)}x`;
    const rss = w.training ? ` ${t.maxRssMiB === undefined ? '—' : `${t.maxRssMiB.toFixed(0)} MiB`} |` : '';
    out(
      `| ${t.name} | ${show(t.median)} | ${show(t.q1)} - ${show(t.q3)} | ${show(t.min)} - ${show(t.max)}${t.note ? ` (${t.note})` : ''} |` +
        `${gflops} ${ratio} |${rss}${withResults ? ` ${fmtResult(t.result)} |` : ''}`,
    );
  }
  out('');
  const torch = best(timings, 'torch');
  if (torch !== undefined) out(`PyTorch's best configuration here: ${torch.name.replace('PyTorch, ', '')} (${show(torch.median)}).`);
  const [one, tfWasm] = [best(timings, 'nabla-1t'), best(timings, 'tfjs-wasm')];
  if (one !== undefined && tfWasm !== undefined) {
    out(`At equal threads (1): Nabla wasm ${show(one.median)}, tfjs wasm ${show(tfWasm.median)}: Nabla ${(tfWasm.median / one.median).toFixed(1)}x faster.`);
  }
  const idle = timings.filter((t) => (t.idleCpuMs ?? 0) > 0);
  if (idle.length > 0) {
    out(`CPU each process used while the others were timed (should be ~0): ${idle.map((t) => `${t.name} ${t.idleCpuMs!.toFixed(0)} ms`).join(', ')}.`);
  }
  out('');
}

interface Verdict {
  label: string;
  target: string;
  measured: string;
  met: string;
  stretch: string;
}
const verdicts: Verdict[] = [];

/**
 * Met / not met / within noise for "ratio <= limit": the ratio of medians, and its range from the
 * interquartile ranges (mine's q1 over vs's q3 to mine's q3 over vs's q1); within noise when that
 * range straddles the limit.
 */
function verdict(lo: number, hi: number, median: number, limit: number): string {
  if (hi <= limit) return 'met';
  if (lo > limit) return 'not met';
  return `within noise (median ${median <= limit ? 'meets' : 'misses'} it)`;
}

function judge(w: Workload, timings: Timing[]): void {
  for (const t of TARGETS.filter((x) => x.workload === w.id && (x.title === undefined || x.title === w.title))) {
    const [mine, vs] = [best(timings, t.mine), best(timings, t.vs)];
    const target = t.atLeastFraction !== undefined ? `>= ${(t.atLeastFraction * 100).toFixed(0)}%` : `<= ${t.atMost}x`;
    if (mine === undefined || vs === undefined) {
      const missing = [mine === undefined ? t.mine : '', vs === undefined ? t.vs : ''].filter(Boolean).join(' and ');
      verdicts.push({ label: t.label, target, measured: `not measured (${missing} did not run)`, met: 'n/a', stretch: '' });
      continue;
    }
    if (t.atLeastFraction !== undefined) {
      // Fraction of vs's speed: vs time over mine; it must reach the bound, so compare its inverse.
      const [median, lo, hi] = [vs.median / mine.median, vs.q1 / mine.q3, vs.q3 / mine.q1];
      verdicts.push({
        label: t.label, target,
        measured: `${(median * 100).toFixed(0)}% (IQR range ${(lo * 100).toFixed(0)}-${(hi * 100).toFixed(0)}%): ${mine.name} ${(w.flops! / mine.median / 1e6).toFixed(1)} GFLOP/s, ceiling ${(w.flops! / vs.median / 1e6).toFixed(1)}`,
        met: verdict(1 / hi, 1 / lo, 1 / median, 1 / t.atLeastFraction), stretch: '',
      });
      continue;
    }
    const [median, lo, hi] = [mine.median / vs.median, mine.q1 / vs.q3, mine.q3 / vs.q1];
    verdicts.push({
      label: t.label, target,
      measured: `${median.toFixed(2)}x (IQR range ${lo.toFixed(2)}-${hi.toFixed(2)}x) against ${vs.name}`,
      met: verdict(lo, hi, median, t.atMost!),
      stretch: t.stretch === undefined ? '' : `<= ${t.stretch}x: ${verdict(lo, hi, median, t.stretch)}`,
    });
  }
}

// ---- run --------------------------------------------------------------------------------------

/** One process's `info` reply, or the reason it has none. */
async function info(proc: ReturnType<typeof startNodeSide>): Promise<Record<string, unknown> | string> {
  try {
    return await proc.request({ cmd: 'info' });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    proc.stop();
  }
}

/** The header's lines about PyTorch: version, build, and what threadpoolctl reports per configuration. */
async function torchHeader(): Promise<string[]> {
  if (noTorch) return ['- PyTorch: skipped (--no-torch).'];
  if (torchConfigs().length === 0) return [`- PyTorch: no configuration matches ${args.find((a) => a.startsWith('--torch='))}.`];
  const rows: string[] = [];
  let first: Record<string, unknown> | undefined;
  for (const config of torchConfigs()) {
    const reply = await info(startTorch(configName(config), config));
    if (typeof reply === 'string') return [`- PyTorch: not available (${reply}).`];
    first ??= reply;
    const pools = Array.isArray(reply.threadpoolctl)
      ? (reply.threadpoolctl as Record<string, unknown>[]).map((p) => `${String(p.internal_api)} ${String(p.num_threads)} thread(s)${p.architecture ? ` (${String(p.architecture)})` : ''}`).join(', ')
      : String(reply.threadpoolctl);
    const mismatch = Array.isArray(reply.threadpoolctl) &&
      (reply.threadpoolctl as Record<string, unknown>[]).some((p) => p.internal_api === 'openblas' && p.num_threads !== config.blasThreads);
    rows.push(`  - ${configName(config)}: torch.get_num_threads() = ${String(reply.torchThreads)}; threadpoolctl: ${pools}${mismatch ? ' — MISMATCH with the requested OpenBLAS threads' : ''}`);
  }
  const build = (first!.build as string[]).join('; ');
  return [
    `- PyTorch ${String(first!.torch)} (numpy ${String(first!.numpy)}): Debian's build (ATen AVX2 kernels, OpenBLAS, oneDNN; MKL ${first!.mkl ? 'present' : 'absent'}), not the pip wheel with MKL. ${build}.`,
    `- PyTorch runs once per configuration of torch threads x OpenBLAS threads (OPENBLAS_NUM_THREADS in each worker's environment, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE}: Debian's OpenBLAS 0.3.21 misdetects this CPU as SSE3-only otherwise); each row's PyTorch figure is its best configuration, named in the table. Its optimizers zero gradients with zero_grad(set_to_none=True), as Nabla's zeroGrad does (PyTorch 1.13's default zeroes in place). Configurations, as threadpoolctl reports them:`,
    ...rows,
  ];
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  const started = new Date();
  const t0 = performance.now();
  const nablaInfo = await info(startNodeSide('Nabla', 'nabla', { backend: 'wasm' }));
  const tfjsInfo = await info(startNodeSide('tfjs', 'tfjs', { backend: 'cpu' }));
  const torchLines = await torchHeader();
  for (const line of torchLines) console.log(line);

  const body: string[] = [];
  for (const w of WORKLOADS) {
    if (!wanted(w.id)) continue;
    console.log(`${w.title}...`);
    const from = lines.length;
    const timings = await runWorkload(w, console.log);
    table(w, timings);
    judge(w, timings);
    body.push(...lines.slice(from));
  }
  const minutes = (performance.now() - t0) / 60000;

  const nablaLine = typeof nablaInfo === 'string'
    ? `- Nabla: ${nablaInfo}`
    : `- Node ${String(nablaInfo.node)} (V8 ${String(nablaInfo.v8)}); Nabla ${String(nablaInfo.backend)} backend: ${String(nablaInfo.simd)} SIMD, ${nablaInfo.sharedMemory ? 'shared memory' : 'private memory'}, ${String(nablaInfo.threads)} threads by default.`;
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${minutes.toFixed(1)} min.`,
    '',
    `- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (other processes share the cores: compare rows of one run, not runs).`,
    nablaLine,
    `- TensorFlow.js ${typeof tfjsInfo === 'string' ? `not available (${tfjsInfo})` : String(tfjsInfo.tfjs)} (tfjs-backend-wasm: XNNPACK, SIMD, single-threaded in Node).`,
    ...torchLines,
    '- Each contender (implementation and configuration) runs in its own process, started fresh for each workload; the contenders take turns in interleaved rounds (A B C A B C ...), one at a time while the others sleep. Medians with interquartile range (IQR) and min - max over the rounds; ratios are median time over the first row\'s. Peak RSS is the contender process\'s (resource usage maxRSS) for that workload alone.',
    '',
  ];
  const summary = [
    '## Targets (issue 16)',
    '',
    'Met when the whole interquartile range of the ratio meets the target, not met when none of it does, within noise otherwise.',
    '',
    '| workload | target | measured | verdict | stretch |',
    '| --- | --- | --- | --- | --- |',
    ...verdicts.map((v) => `| ${v.label} | ${v.target} | ${v.measured} | ${v.met} | ${v.stretch} |`),
    '',
  ];
  for (const line of summary) console.log(line);
  if (!args.includes('--no-write')) {
    // Only the part between the markers is ours: other benchmarks append their own sections.
    const file = new URL('./RESULTS.md', import.meta.url);
    const block = [START, ...header, ...summary, '## Measurements', '', ...body, END].join('\n');
    const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const [from, to] = [old.indexOf(START), old.indexOf(END)];
    writeFileSync(file, from >= 0 && to > from ? old.slice(0, from) + block + old.slice(to + END.length) : `${block}\n${old}`);
    console.log('wrote bench/RESULTS.md');
  }
}

await main();
for (const [id, script] of [['word2vec', 'word2vec.ts'], ['tsne', 'tsne.ts']] as const) {
  if (!wanted(id)) continue;
  console.log(`\n# ${id} (bench/${script})`);
  spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${script}`, import.meta.url))], { stdio: 'inherit' });
}
