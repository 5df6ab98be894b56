/**
 * torchvision goldens for the zoo, generated at test setup by scripts/gen_vision_fixtures.py
 * --goldens into a gitignored cache (.vision-cache/<hash of the script>/): the state dicts are tens
 * of MB each, too large to commit. Without Python and torchvision the tests that need them skip.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { missingPython } from '../helpers/python.js';

const root = new URL('../../', import.meta.url).pathname;
const script = join(root, 'scripts', 'gen_vision_fixtures.py');
const python = '/usr/bin/python3';

let cached: { dir: string } | { skip: string } | undefined;

/** The goldens' directory, generating it once; or why they are unavailable. */
export function goldenDir(): { dir: string } | { skip: string } {
  if (cached !== undefined) return cached;
  const hash = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const cache = join(root, '.vision-cache');
  const dir = join(cache, hash);
  if (existsSync(join(dir, 'done'))) return (cached = { dir });
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX' };
  const lack = missingPython(python, ['torch', 'torchvision']);
  if (lack !== null) {
    cached = { skip: `torchvision goldens need ${python} with torch and torchvision (${lack})` };
    console.log(`# skipping: ${cached.skip}`);
    return cached;
  }
  const partialName = `${hash}.partial`;
  const partial = join(cache, partialName);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const run = spawnSync(python, [script, '--goldens', partial], { env, encoding: 'utf8', cwd: root });
  if (run.status !== 0) throw new Error(`gen_vision_fixtures.py --goldens failed:\n${run.stderr}`);
  mkdirSync(join(partial, 'done'));
  // Goldens of earlier versions of the script are hundreds of MB each: keep only this one.
  for (const old of readdirSync(cache)) if (old !== partialName) rmSync(join(cache, old), { recursive: true, force: true });
  renameSync(partial, dir);
  return (cached = { dir });
}

/** A golden case: torchvision's state dict and its input / output / gradient tensors. */
export function readGolden(dir: string, name: string): { state: Record<string, nb.Tensor>; io: Record<string, nb.Tensor> } {
  const read = (file: string): Record<string, nb.Tensor> => nb.io.deserializeSafetensors(new Uint8Array(readFileSync(join(dir, file)))).tensors;
  return { state: read(`${name}.safetensors`), io: read(`${name}.io.safetensors`) };
}

/** Largest |a - b| over the elements, relative to the reference's largest magnitude. */
export function relativeError(actual: nb.Tensor, expected: nb.Tensor): number {
  const x = actual.float().toTypedArray();
  const y = expected.float().toTypedArray();
  if (x.length !== y.length) throw new Error(`relativeError: ${x.length} vs ${y.length} elements`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}
