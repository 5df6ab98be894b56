/**
 * Nabla's side of the model rows (issue 16), through the public API, the same work as
 * bench/torch_models.py:
 *
 * - resnet18-train: torchvision's resnet18 tree (numClasses 10, the ImageNet stem unchanged) on
 *   CIFAR-sized 32x32 inputs, batch 32, cross-entropy, SGD (lr 0.01, momentum 0.9).
 * - transformer-train: one TransformerEncoderLayer (dModel 256, 4 heads, torch's defaults:
 *   dimFeedforward 2048, dropout 0.1 active in training mode, post-norm, ReLU), input
 *   [seq 128, batch 16, 256], MSE against a fixed target, Adam (lr 1e-4).
 * - resnet18-infer, mobilenetv2-infer: batch-1 224x224 latency in eval mode under noGrad, with the
 *   weights torch exported (bench/exported.ts), conv + batch norm folded by
 *   nn.utils.fuseForInference unless `fuse: false`; finish() reports the largest difference
 *   from torch's logits.
 *
 * Every builder returns { step, finish? }: set up once, time step(), report finish(). Standalone:
 *   npx tsx bench/models.ts WORKLOAD [--threads=N] [--reps=N] [--no-fuse]
 */
import * as nb from '../src/index.js';
import { io } from '../src/node.js';
import type { Tensor } from '../src/index.js';
import { exportedModel, maxAbsDiff, NotExported, type ExportedName } from './exported.js';
import { Unsupported, type Side } from './harness.js';

const { nn, optim, F } = nb;

export interface ModelStep {
  /** One timed step (an async one is awaited inside its timing). */
  step: () => unknown;
  finish?: () => Record<string, unknown>;
}

export interface ModelSpec {
  /** Where bench/exported.ts keeps the exported models (default: a directory under the OS's tmpdir). */
  dir?: string;
  /** Inference rows: fold conv + batch norm with nn.utils.fuseForInference (default true). */
  fuse?: boolean;
}

export function resnet18Train(): ModelStep {
  nb.manualSeed(0);
  const model = nb.vision.models.resnet18({ numClasses: 10 });
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = nb.randn([32, 3, 32, 32]);
  const y = nb.randint(0, 10, [32]);
  return {
    step: () => {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    },
  };
}

export function transformerTrain(): ModelStep {
  nb.manualSeed(0);
  const layer = new nn.TransformerEncoderLayer(256, 4);
  const opt = new optim.Adam(layer.parameters(), { lr: 1e-4 });
  const x = nb.randn([128, 16, 256]);
  const target = nb.randn([128, 16, 256]);
  return {
    step: () => {
      opt.zeroGrad();
      F.mseLoss(layer.forward(x), target).backward();
      opt.step();
    },
  };
}

function inference(name: ExportedName, spec: ModelSpec): ModelStep {
  const exported = exportedModel(name, spec.dir);
  const model = name === 'resnet18' ? nb.vision.models.resnet18() : nb.vision.models.mobilenetV2();
  io.load(model, exported.pth);
  model.eval();
  const x = nb.tensor(exported.input).reshape([1, 3, 224, 224]);
  if (spec.fuse !== false) nn.utils.fuseForInference(model, x);
  let last: Tensor | null = null;
  return {
    step: () => {
      last = nb.noGrad(() => model.forward(x) as Tensor);
    },
    finish: () => ({
      fused: spec.fuse !== false,
      maxAbsDiffVsTorch: last === null ? null : maxAbsDiff(last.toTypedArray(), exported.output),
      maxAbsTorch: maxAbsDiff(exported.output, new Float32Array(exported.output.length)),
    }),
  };
}

export const resnet18Infer = (spec: ModelSpec = {}): ModelStep => inference('resnet18', spec);
export const mobilenetV2Infer = (spec: ModelSpec = {}): ModelStep => inference('mobilenet_v2', spec);

export const MODEL_WORKLOADS: Record<string, (spec: ModelSpec) => ModelStep> = {
  'resnet18-train': resnet18Train,
  'transformer-train': transformerTrain,
  'resnet18-infer': resnet18Infer,
  'mobilenetv2-infer': mobilenetV2Infer,
};

/** A builder for the harness: the models' export failing (no torch) becomes the row's skip reason. */
function forHarness(build: (spec: ModelSpec) => ModelStep): (spec: Record<string, unknown>) => ModelStep {
  return (spec) => {
    try {
      return build({ dir: typeof spec.dir === 'string' ? spec.dir : undefined, fuse: spec.fuse !== false });
    } catch (e) {
      if (e instanceof NotExported) throw new Unsupported(`skipped: ${e.message}`);
      throw e;
    }
  };
}

/** The model rows as a side of `npm run bench` (bench/harness.ts): options { threads }. */
export const side: Side = {
  init(options) {
    if (options.threads !== undefined) nb.setNumThreads(Number(options.threads));
  },
  info: () => ({ node: process.versions.node, backend: nb.getBackend().name, threads: nb.getNumThreads() }),
  workloads: Object.fromEntries(Object.entries(MODEL_WORKLOADS).map(([id, build]) => [id, forHarness(build)])),
};

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The standalone CLI's flags: --name=value (or --no-name), the rest positional. */
export function parseCli(argv: readonly string[]): { positional: string[]; flags: Record<string, string | boolean> } {
  const positional: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (const arg of argv) {
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) positional.push(arg);
    else flags[m[2]!] = m[1] !== undefined ? false : (m[3] ?? true);
  }
  return { positional, flags };
}

/**
 * The standalone CLIs' run: builds the workload (printing the reason and returning when the
 * models could not be exported), runs 2 warm-up steps and `reps` timed ones, prints the figures.
 */
export async function runStandalone(name: string, label: string, build: () => ModelStep | Promise<ModelStep>, reps: number): Promise<void> {
  let prepared: ModelStep;
  try {
    prepared = await build();
  } catch (e) {
    if (e instanceof NotExported) {
      console.log(`${name}: skipped: ${e.message}`);
      return;
    }
    throw e;
  }
  for (let i = 0; i < 2; i++) await prepared.step();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await prepared.step();
    times.push(performance.now() - t);
  }
  const figures = `median ${median(times).toFixed(2)} ms, min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)} over ${reps}`;
  console.log(`${name} (${label}): ${figures}`, prepared.finish?.() ?? '');
}

async function main(): Promise<void> {
  const { positional, flags } = parseCli(process.argv.slice(2));
  const name = positional[0];
  const build = name === undefined ? undefined : MODEL_WORKLOADS[name];
  if (build === undefined) {
    console.error(`usage: npx tsx bench/models.ts (${Object.keys(MODEL_WORKLOADS).join(' | ')}) [--threads=N] [--reps=N] [--no-fuse]`);
    process.exit(2);
  }
  if (typeof flags.threads === 'string') nb.setNumThreads(Number(flags.threads));
  const reps = typeof flags.reps === 'string' ? Number(flags.reps) : 10;
  await runStandalone(name!, `nabla, ${nb.getNumThreads()} threads`, () => build({ fuse: flags.fuse !== false }), reps);
}

// Run directly (`npx tsx bench/models.ts ...`), not when imported or bundled for the harness.
if (/bench\/models\.ts$/.test(process.argv[1] ?? '')) await main();
