/**
 * The inference rows' models: torchvision's resnet18 and mobilenet_v2 with the same weights for
 * every contender, exported by Debian's torch at bench time (scripts/export_bench_models.py) into
 * a temporary directory, once: NAME.pth for Nabla and PyTorch, NAME.onnx for onnxruntime-web, and
 * an input with torch's eval-mode output to check each contender's answer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXPORTED_MODELS = ['resnet18', 'mobilenet_v2'] as const;
export type ExportedName = (typeof EXPORTED_MODELS)[number];

export interface ExportedModel {
  name: ExportedName;
  pth: string;
  onnx: string;
  /** [1, 3, 224, 224] */
  input: Float32Array;
  /** torch's eval-mode logits for `input`, [1, 1000] */
  output: Float32Array;
}

/** Thrown when the models cannot be exported here (no Python or torch): the row is skipped with this reason. */
export class NotExported extends Error {
  override name = 'NotExported';
}

const root = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_EXPORT_DIR = join(tmpdir(), 'nabla-bench-models');

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The exported model `name` in `dir`, exporting both models first where they are missing. */
export function exportedModel(name: ExportedName, dir = DEFAULT_EXPORT_DIR): ExportedModel {
  if (!EXPORTED_MODELS.includes(name)) throw new Error(`exportedModel: unknown model '${String(name)}' (one of ${EXPORTED_MODELS.join(', ')})`);
  const base = join(dir, name);
  const files = ['.pth', '.onnx', '.input.bin', '.output.bin'].map((ext) => base + ext);
  if (!files.every((f) => existsSync(f))) {
    const r = spawnSync('/usr/bin/python3', [join(root, 'scripts/export_bench_models.py'), dir], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX' },
    });
    if (r.error !== undefined || r.status !== 0) {
      throw new NotExported(`torch.onnx.export unavailable (${r.error?.message ?? r.stderr.trim().split('\n').pop()})`);
    }
  }
  return { name, pth: files[0]!, onnx: files[1]!, input: readFloats(files[2]!), output: readFloats(files[3]!) };
}

/** Largest |a - b| over two equally long arrays (NaN if the lengths differ or any value is NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return NaN;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = d; // NaN propagates
  }
  return worst;
}
