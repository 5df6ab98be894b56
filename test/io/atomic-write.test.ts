/** Checkpoint writes (io/node.ts writeFileAtomic): a writer killed before its rename, stale temporaries, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { load, save, writeFileAtomic } from '../../src/io/node.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-atomic-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Runs the paused writer on path; resolves with the temporary it wrote once it is killed at the rename. */
async function killBeforeRename(path: string): Promise<{ temporary: string; size: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./helpers/paused-writer.ts', import.meta.url).pathname, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const announced = await new Promise<{ temporary: string; size: number }>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]!) as { temporary: string; size: number });
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before reaching the rename`)));
  });
  // The temporary is complete before the kill: the test kills where a power loss would hurt most.
  assert.equal(statSync(announced.temporary).size, announced.size);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return announced;
}

test('a writer killed after its temporary is full, before the rename, leaves the old file; the next save removes the temporary', async () => {
  const path = join(dir, 'model.safetensors');
  nb.manualSeed(1);
  const previous = new nb.nn.Linear(300, 200);
  save(previous, path, { version: 'previous' });
  const before = readFileSync(path);
  const { temporary } = await killBeforeRename(path);
  assert.deepEqual(readFileSync(path), before, 'the previous file is intact');
  assert.ok(existsSync(temporary), 'the killed writer left its hidden temporary');
  // Another file's temporary and a look-alike name that is not ours are left alone.
  const others = ['.other.safetensors.1.2.tmp', '.model.safetensors.tmp', 'model.safetensors.1.2.tmp', '.model.safetensors.x.2.tmp'];
  for (const name of others) writeFileSync(join(dir, name), 'x');
  save(previous, path, { version: 'next' });
  assert.ok(!existsSync(temporary), 'the next save removed the stale temporary');
  assert.deepEqual(readdirSync(dir).sort(), [...others, 'model.safetensors'].sort());
  const copy = new nb.nn.Linear(300, 200);
  assert.deepEqual(load(copy, path), { version: 'next' });
  assert.deepEqual(copy.weight.toArray(), previous.weight.toArray());
});

test("a temporary of a live process (a concurrent writer) is not removed", () => {
  const path = join(dir, 'live.bin');
  const live = join(dir, `.live.bin.${process.ppid}.1.tmp`);
  writeFileSync(live, 'in progress');
  writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  assert.ok(existsSync(live));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
});

test('a write into a missing directory fails naming the path and leaves no temporary', () => {
  const path = join(dir, 'missing', 'x.bin');
  assert.throws(() => writeFileAtomic(path, new Uint8Array(4)), (e: unknown) => e instanceof Error && e.message.startsWith(`cannot write ${path}: `));
});
