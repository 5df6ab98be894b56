/**
 * `npm run fixtures`: regenerates every golden fixture in test/fixtures/ (the op table's samples,
 * then each scripts/gen_*.py with Debian's /usr/bin/python3, two at a time in processes forked after
 * one import of torch), from any working directory.
 *
 * `--check`: regenerates into a temporary folder instead and lists every committed fixture that
 * differs from what the generators write now (exit 1), so stale fixtures are caught.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scripts = join(root, 'scripts');
const python = process.env.NABLA_PYTHON ?? '/usr/bin/python3';
const check = process.argv.includes('--check');
const committed = join(root, 'test', 'fixtures');
const out = check ? mkdtempSync(join(tmpdir(), 'nabla-fixtures-')) : committed;
const env = { ...process.env, NABLA_FIXTURE_DIR: out, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1' };

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** Every file below dir, as paths relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path).map((f) => join(name, f)) : [name];
  });
}

const generators = readdirSync(scripts).filter((f) => /^gen_.*\.py$/.test(f)).sort();
try {
  run(process.execPath, ['--import', 'tsx', join(scripts, 'dump_samples.ts')]);
  // One Python that imports torch once and forks a child per generator (scripts/run_generators.py).
  run(python, [join(scripts, 'run_generators.py'), ...generators.map((g) => join(scripts, g))]);
  if (check) {
    const stale = files(out)
      .filter((f) => f !== 'op-samples.json')
      .filter((f) => !existsSync(join(committed, f)) || !readFileSync(join(committed, f)).equals(readFileSync(join(out, f))));
    if (stale.length > 0) {
      console.error(`fixtures differ from what the generators write now (run npm run fixtures):\n  ${stale.map((f) => relative(root, join(committed, f))).join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`all ${files(out).length - 1} fixtures are up to date (${generators.length} generators)`);
    }
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
