import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { load, loadSafetensors, readPthFile } from '../../src/io/node.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-convert-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string): string => new URL(`../fixtures/pth/${name}`, import.meta.url).pathname;

const run = runCli;

describe('nabla info / convert with .pth files', () => {
  test('info lists a .pth state dict: torch dtypes, shapes, counts', async () => {
    const r = await run('info', fixture('module.pth'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /0\.weight\s+float32\s+\[3, 1, 3, 3\]\s+27/);
    assert.match(r.out, /1\.num_batches_tracked\s+int64\s+\[\]\s+1/);
    assert.match(r.out, /9 tensors in 9 storages, 69 parameters and buffer elements/);
  });

  test('info shows a checkpoint\'s other entries and shared storages', async () => {
    const r = await run('info', fixture('checkpoint.pth'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /other entries:\n(.|\n)*  epoch: 3\n  note: "hello"\n  best: null/);
    assert.match(r.out, /optimizer\.param_groups\.0\.lr: 0\.01/);
    const views = await run('info', fixture('views.pth'));
    assert.match(views.out, /6 tensors in 3 storages/);
    const evil = await run('info', fixture('evil-global-os-system.pth'));
    assert.equal(evil.code, 1);
    assert.match(evil.err, /evil-global-os-system\.pth: pth: refusing to load global 'os\.system'/);
  });

  test('convert .pth -> .safetensors -> .pth keeps names, shapes and values', async () => {
    const st = join(dir, 'dtypes.safetensors');
    const r = await run('convert', fixture('dtypes.pth'), st);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /note: float16, bfloat16 tensors are written as float32/);
    assert.match(r.out, /-> .*dtypes\.safetensors: 12 tensors/);
    const original = load(fixture('dtypes.pth'));
    const converted = loadSafetensors(st).tensors;
    for (const [name, t] of Object.entries(original)) assert.deepEqual(converted[name]!.toArray(), t.toArray(), name);
    const back = join(dir, 'back.pt');
    assert.equal((await run('convert', st, back)).code, 0);
    const again = readPthFile(back);
    assert.equal(again.fileDTypes.i64, 'int64');
    for (const [name, t] of Object.entries(original)) assert.deepEqual(again.tensors[name]!.toArray(), t.toArray(), name);
  });

  test('convert --key takes a state dict out of a checkpoint; errors name the problem', async () => {
    const out = join(dir, 'model.safetensors');
    const r = await run('convert', fixture('checkpoint.pth'), out, '--key', 'model');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(Object.keys(loadSafetensors(out).tensors).sort(), Object.keys(load(fixture('module.pth'))).sort());
    assert.match((await run('convert', fixture('module.pth'), join(dir, 'x.onnx'))).err, /cannot tell the output format of '.*x\.onnx': name it \.safetensors, \.pth or \.pt/);
    assert.match((await run('convert', fixture('module.pth'))).err, /nabla convert needs an input and an output path/);
    assert.match((await run('convert', fixture('legacy.pth'), out)).err, /legacy\.pth: pth: it is in the legacy \(pre-1\.6\) torch\.save format/);
    assert.match((await run('convert', out, join(dir, 'y.pth'), '--key', 'model')).err, /--key picks an entry of a \.pth checkpoint; this file is safetensors/);
    assert.match((await run('convert', fixture('module.pth'), out, '--keys', 'x')).err, /unknown option --keys \(options: --key\)/);
    copyFileSync(fixture('module.pth'), join(dir, 'module.bin'));
    assert.equal((await run('convert', join(dir, 'module.bin'), join(dir, 'module.safetensors'))).code, 0, 'the input format is read from content');
  });
});
