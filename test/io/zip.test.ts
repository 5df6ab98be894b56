import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { crc32, readZip, writeZip } from '../../src/io/zip.js';

const fail = (why: string): never => {
  throw new Error(`zip-test: ${why}`);
};
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('zip container', () => {
  test('CRC-32 of the standard check string', () => {
    assert.equal(crc32(text('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  test('writeZip round trip: stored entries with 64-byte aligned data', () => {
    const files = [
      { name: 'archive/data.pkl', data: text('pickle') },
      { name: 'archive/data/0', data: Uint8Array.from({ length: 100 }, (_, i) => i) },
      { name: 'archive/version', data: text('3\n') },
    ];
    const zip = readZip(writeZip(files, fail), fail);
    assert.deepEqual([...zip.entries.keys()], files.map((f) => f.name));
    for (const f of files) {
      const entry = zip.entries.get(f.name)!;
      assert.equal(entry.dataStart % 64, 0, `${f.name} is aligned`);
      assert.deepEqual(zip.read(entry), f.data);
    }
  });

  test('deflated entries (as other zip tools write) are read', () => {
    const data = new Uint8Array(5000).fill(7);
    const zip = readZip(zipSync({ 'a/b': [data, { level: 9 }] }), fail);
    const entry = zip.entries.get('a/b')!;
    assert.equal(entry.method, 8);
    assert.ok(entry.compressedSize < 100);
    assert.deepEqual(zip.read(entry), data);
  });

  test('damage gives errors naming the problem', () => {
    const good = writeZip([{ name: 'x/y', data: text('hello world') }], fail);
    const flipped = good.slice();
    flipped[64 + 3]! ^= 1; // inside the data, which starts at 64
    const zip = readZip(flipped, fail);
    assert.throws(() => zip.read(zip.entries.get('x/y')!), /zip-test: zip entry 'x\/y' fails its CRC-32 check/);
    assert.throws(() => readZip(good.subarray(0, good.length - 5), fail), /no zip end-of-central-directory record/);
    assert.throws(() => readZip(new Uint8Array(10), fail), /too few for a zip archive/);
    const forged = good.slice();
    const view = new DataView(forged.buffer);
    const end = forged.length - 22;
    view.setUint32(end + 16, 0xfffff, true); // central directory offset past the end
    assert.throws(() => readZip(forged, fail), /central directory .* runs past its end record/);
    const sized = good.slice();
    const central = new DataView(sized.buffer).getUint32(end + 16, true);
    new DataView(sized.buffer).setUint32(central + 20, 1e6, true); // compressed size
    assert.throws(() => readZip(sized, fail), /is stored but its sizes differ|runs past the entries/);
  });

  test('two entries with the same name are refused', () => {
    const zip = writeZip([{ name: 'a', data: text('1') }, { name: 'a', data: text('2') }], fail);
    assert.throws(() => readZip(zip, fail), /two entries named 'a'/);
  });
});
