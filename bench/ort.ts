/**
 * onnxruntime-web's side of the inference rows (issue 16): the wasm backend in Node, in this
 * process, on the ONNX files torch exported (bench/exported.ts), at a given thread count
 * (ort.env.wasm.numThreads, set before the first session). Each builder returns { step, finish }:
 * step() runs the session once (async), finish() reports the largest difference from torch's
 * logits. Standalone:
 *   npx tsx bench/ort.ts (resnet18-infer | mobilenetv2-infer) [--threads=N] [--reps=N]
 */
import * as ort from 'onnxruntime-web';
import { exportedModel, maxAbsDiff, NotExported, type ExportedName } from './exported.js';
import { Unsupported, type Side } from './harness.js';
import { parseCli, runStandalone } from './models.js';

export interface OrtSpec {
  dir?: string;
  /** Threads of onnxruntime-web's wasm backend (default 1; fixed by the first session in a process). */
  threads?: number;
}

export interface OrtStep {
  step: () => Promise<unknown>;
  finish: () => Record<string, unknown>;
}

async function inference(name: ExportedName, spec: OrtSpec): Promise<OrtStep> {
  const exported = exportedModel(name, spec.dir);
  ort.env.wasm.numThreads = spec.threads ?? 1;
  const session = await ort.InferenceSession.create(exported.onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feed = { [session.inputNames[0]!]: new ort.Tensor('float32', exported.input, [1, 3, 224, 224]) };
  let last: Float32Array | null = null;
  return {
    step: async () => {
      const result = await session.run(feed);
      last = result[session.outputNames[0]!]!.data as Float32Array;
    },
    finish: () => ({ threads: ort.env.wasm.numThreads, maxAbsDiffVsTorch: last === null ? null : maxAbsDiff(last, exported.output) }),
  };
}

export const ORT_WORKLOADS: Record<string, (spec: OrtSpec) => Promise<OrtStep>> = {
  'resnet18-infer': (spec) => inference('resnet18', spec),
  'mobilenetv2-infer': (spec) => inference('mobilenet_v2', spec),
};

/** onnxruntime-web as a side of `npm run bench` (bench/harness.ts): options { threads }. */
export const side: Side = {
  info: () => ({ node: process.versions.node, onnxruntimeWeb: ort.env.versions.web ?? null }),
  workloads: Object.fromEntries(
    Object.entries(ORT_WORKLOADS).map(([id, build]) => [
      id,
      async (spec: Record<string, unknown>, options: Record<string, unknown>) => {
        try {
          return await build({ dir: typeof spec.dir === 'string' ? spec.dir : undefined, threads: Number(options.threads ?? 1) });
        } catch (e) {
          if (e instanceof NotExported) throw new Unsupported(`skipped: ${e.message}`);
          throw e;
        }
      },
    ]),
  ),
};

async function main(): Promise<void> {
  const { positional, flags } = parseCli(process.argv.slice(2));
  const name = positional[0];
  const build = name === undefined ? undefined : ORT_WORKLOADS[name];
  if (build === undefined) {
    console.error(`usage: npx tsx bench/ort.ts (${Object.keys(ORT_WORKLOADS).join(' | ')}) [--threads=N] [--reps=N]`);
    process.exit(2);
  }
  const reps = typeof flags.reps === 'string' ? Number(flags.reps) : 10;
  const threads = typeof flags.threads === 'string' ? Number(flags.threads) : 1;
  await runStandalone(name!, `onnxruntime-web wasm, ${threads} threads`, () => build({ threads }), reps);
  // onnxruntime-web's worker threads would keep the process alive.
  process.exit(0);
}

// Run directly (`npx tsx bench/ort.ts ...`), not when imported or bundled for the harness.
if (/bench\/ort\.ts$/.test(process.argv[1] ?? '')) await main();
