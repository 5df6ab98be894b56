/**
 * Seeded fuzzing of the .pth reader: mutated zip containers (bit flips, truncation, forged sizes
 * and offsets) and mutated data.pkl pickles re-packed with valid CRCs (so the unpickler sees
 * them). Every input must load a self-consistent result or throw an Error naming the format,
 * within a second. NABLA_FUZZ_PTH=N runs N inputs instead of the default 5000.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';
import { readPth, savePth, summarizePth } from '../../src/io/pth.js';
import { readZip, writeZip } from '../../src/io/zip.js';

const TRIALS = Number(process.env.NABLA_FUZZ_PTH ?? 5000);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/pth/${name}`, import.meta.url)));
const fail = (why: string): never => {
  throw new Error(`pth: ${why}`);
};

const g = new nb.Generator(2024);
const rand = (n: number): number => Math.floor(g.nextDouble() * n);
const bases = [
  fixture('module.pth'),
  fixture('checkpoint.pth'),
  fixture('views.pth'),
  fixture('dtypes.pth'),
  fixture('zip64-deflated.pth'),
  savePth({ w: nb.randn([3, 2], { generator: g }), n: nb.tensor([1, 2], { dtype: 'int32' }), m: nb.tensor([true]) }),
];
const unpacked = bases.map((bytes) => {
  const zip = readZip(bytes, fail);
  return [...zip.entries.values()].map((e) => ({ name: e.name, data: zip.read(e).slice() }));
});

/** Opcodes worth splicing in: structure, memo, globals and calls. */
const OPCODES = [0x28, 0x74, 0x29, 0x85, 0x86, 0x87, 0x5d, 0x7d, 0x61, 0x65, 0x73, 0x75, 0x71, 0x68, 0x94, 0x52, 0x62, 0x51, 0x30, 0x32, 0x2e, 0x4b, 0x4a, 0x8a, 0x88, 0x89, 0x4e, 0x81, 0x93, 0x8c, 0x58, 0x63, 0x8f, 0x90];

function mutatePickle(pkl: Uint8Array): Uint8Array {
  const bytes = Array.from(pkl);
  const edits = 1 + rand(3);
  for (let e = 0; e < edits; e++) {
    const at = rand(bytes.length);
    switch (rand(6)) {
      case 0:
        bytes[at] = rand(256);
        break;
      case 1:
        bytes[at]! ^= 1 << rand(8);
        break;
      case 2:
        bytes.splice(at, 0, OPCODES[rand(OPCODES.length)]!, rand(4));
        break;
      case 3:
        bytes.splice(at, 1 + rand(16));
        break;
      case 4: {
        const from = rand(bytes.length);
        bytes.splice(at, 0, ...bytes.slice(from, from + 1 + rand(40)));
        break;
      }
      default:
        bytes[at] = OPCODES[rand(OPCODES.length)]!;
    }
  }
  return Uint8Array.from(bytes);
}

function mutate(): { bytes: Uint8Array; kind: string } {
  const which = rand(bases.length);
  const base = bases[which]!;
  const kind = rand(10);
  if (kind <= 3) {
    // The pickle, re-packed with valid CRCs.
    const files = unpacked[which]!.map((f) => (f.name.endsWith('/data.pkl') ? { name: f.name, data: mutatePickle(f.data) } : f));
    return { bytes: writeZip(files, fail), kind: 'pickle' };
  }
  if (kind === 4) {
    // A storage resized, or an entry dropped.
    const files = unpacked[which]!.map((f) => ({ ...f }));
    const target = rand(files.length);
    if (rand(2) === 0) files.splice(target, 1);
    else files[target]!.data = files[target]!.data.subarray(0, rand(files[target]!.data.length + 1));
    return { bytes: writeZip(files, fail), kind: 'entries' };
  }
  let bytes = base.slice();
  const view = new DataView(bytes.buffer);
  if (kind === 5) bytes[rand(bytes.length)]! ^= 1 << rand(8);
  else if (kind === 6) bytes = bytes.subarray(0, rand(bytes.length));
  else if (kind === 7) {
    // Forge a 32-bit field near the end (end record, central directory).
    const at = Math.max(0, bytes.length - 1 - rand(Math.min(bytes.length, 600)) - 4);
    view.setUint32(at, [0, 0xffffffff, rand(bytes.length * 2), g.nextUint32()][rand(4)]!, true);
  } else if (kind === 8) {
    // Forge a 16-bit field (name/extra lengths, counts).
    const at = rand(bytes.length - 2);
    view.setUint16(at, [0, 0xffff, rand(300)][rand(3)]!, true);
  } else bytes[rand(bytes.length)] = rand(256);
  return { bytes, kind: 'zip' };
}

function checkConsistent(contents: ReturnType<typeof readPth>): void {
  for (const [name, t] of Object.entries(contents.tensors)) {
    assert.ok(t instanceof nb.Tensor, name);
    assert.equal(t.toTypedArray().length, t.shape.reduce((a, b) => a * b, 1), `${name}: data length matches its shape`);
    assert.ok(['float32', 'float64', 'int32', 'bool'].includes(t.dtype), name);
    assert.ok(typeof contents.fileDTypes[name] === 'string', name);
  }
}

test(`fuzz: ${TRIALS} mutated .pth files load consistently or fail with a pth: error, each within a second`, () => {
  const counts: Record<string, { loaded: number; rejected: number }> = {};
  let slowest = 0;
  const started = Date.now();
  for (let trial = 0; trial < TRIALS; trial++) {
    const { bytes, kind } = mutate();
    const count = (counts[kind] ??= { loaded: 0, rejected: 0 });
    const t0 = performance.now();
    try {
      checkConsistent(readPth(bytes));
      summarizePth(bytes);
      count.loaded++;
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(e instanceof Error, `trial ${trial} (${kind}): threw a non-Error ${String(e)}`);
      assert.match(e.message, /^pth: /, `trial ${trial} (${kind}): ${e.message}`);
      count.rejected++;
    }
    const took = performance.now() - t0;
    slowest = Math.max(slowest, took);
    assert.ok(took < 1000, `trial ${trial} (${kind}) took ${took.toFixed(0)} ms`);
  }
  console.log(`# pth fuzz: ${JSON.stringify(counts)}, slowest input ${slowest.toFixed(1)} ms, ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  assert.ok(counts.pickle!.loaded > 20 && counts.pickle!.rejected > 200, 'pickle mutations both load and fail');
  assert.ok(counts.zip!.rejected > 200, 'zip damage is rejected');
});
