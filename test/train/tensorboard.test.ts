/**
 * TensorBoard event files: CRC-32C against published check values, TFRecord framing, and the
 * events TensorBoardLogger writes during fit() read back with the schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { train as trainNode } from '../../src/node.js';
import { crc32c, maskedCrc32c } from '../../src/util/crc32c.js';
import { decodePng } from '../../src/data/index.js';

test('CRC-32C matches the published check values (RFC 3720 B.4, "123456789")', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(crc32c(enc('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // 32 bytes of zeros
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // 32 bytes of ones
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e); // incrementing
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c); // decrementing
  assert.equal(crc32c(new Uint8Array(0)), 0);
  // TFRecord's mask: rotate right by 15, add 0xa282ead8.
  const c = crc32c(enc('123456789'));
  assert.equal(maskedCrc32c(enc('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('TFRecord framing: length, masked CRCs, data; corruption is detected; a torn tail is skipped', () => {
  const data = new TextEncoder().encode('hello');
  const record = nb.train.tfRecord(data);
  const view = new DataView(record.buffer);
  assert.equal(record.length, 16 + 5);
  assert.equal(Number(view.getBigUint64(0, true)), 5);
  assert.equal(view.getUint32(8, true), maskedCrc32c(record.subarray(0, 8)));
  assert.equal(view.getUint32(17, true), maskedCrc32c(data));
  const two = new Uint8Array([...record, ...nb.train.tfRecord(new Uint8Array([1, 2, 3]))]);
  assert.deepEqual(nb.train.readTfRecords(two).map((r) => [...r]), [[...data], [1, 2, 3]]);
  assert.equal(nb.train.readTfRecords(two.subarray(0, two.length - 2)).length, 1, 'a record still being written is left out');
  const bad = two.slice();
  bad[13]! ^= 1;
  assert.throws(() => nb.train.readTfRecords(bad), /TFRecord: the data CRC of the record at byte 0 does not match/);
  const badLength = two.slice();
  badLength[0]! ^= 1;
  assert.throws(() => nb.train.readTfRecords(badLength), /the length CRC/);
});

test('histogram buckets', () => {
  const h = nb.train.histogram([0, 1, 2, 3, NaN], 3);
  assert.deepEqual(h, { min: 0, max: 3, num: 4, sum: 6, sum_squares: 14, bucket_limit: [1, 2, 3], bucket: [1, 1, 2] });
  assert.deepEqual(nb.train.histogram([5, 5], 4).bucket, [2]);
});

test('TensorBoardLogger writes scalars, lr, histograms, images, text and hparams that read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-tb-'));
  try {
    nb.manualSeed(0);
    const model = new nb.nn.Sequential(new nb.nn.Linear(2, 4), new nb.nn.ReLU(), new nb.nn.Linear(4, 1));
    const x = nb.randn([16, 2]);
    const y = x.sum(1, true);
    const logger = new trainNode.TensorBoardLogger({ logDir: dir, updateFreq: 'batch', hparams: { lr: 0.05, optimizer: 'sgd', nesterov: false } });
    await nb.train.fit(model, {
      train: [[x.narrow(0, 0, 8), y.narrow(0, 0, 8)], [x.narrow(0, 8, 8), y.narrow(0, 8, 8)]],
      loss: (out, target) => nb.F.mseLoss(out, target),
      optimizer: new nb.optim.SGD(model.parameters(), { lr: 0.05 }),
      epochs: 3,
      callbacks: [logger],
      verbose: 0,
    });
    logger.logImage('samples/gradient', nb.linspace(0, 1, 12).reshape([1, 3, 4]), 2);
    logger.logText('notes', '**done**', 2);
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^events\.out\.tfevents\.\d+\./);
    const events = nb.train.readEvents(new Uint8Array(readFileSync(join(dir, files[0]!))));
    assert.equal(events[0]!.file_version, 'brain.Event:2');
    const values = events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ step: e.step, ...v })));
    const byTag = (tag: string): typeof values => values.filter((v) => v.tag === tag);
    assert.deepEqual(byTag('epoch/loss').map((v) => v.step), [0, 1, 2]);
    assert.deepEqual(byTag('batch/loss').map((v) => v.step), [0, 1, 2, 3, 4, 5]);
    assert.ok(byTag('epoch/loss').every((v) => typeof v.simple_value === 'number' && v.simple_value > 0));
    assert.ok(Math.abs(byTag('epoch/lr')[0]!.simple_value! - 0.05) < 1e-7);
    const w = byTag('weights/0.weight');
    assert.equal(w.length, 3);
    assert.equal(w[2]!.histo!.num, 8);
    const final = [...model.getParameter('0.weight').toTypedArray()];
    assert.ok(Math.abs(w[2]!.histo!.min - Math.min(...final)) < 1e-6 && Math.abs(w[2]!.histo!.max - Math.max(...final)) < 1e-6);
    assert.equal(byTag('gradients/2.bias').length, 3);
    const image = byTag('samples/gradient')[0]!.image!;
    assert.deepEqual([image.colorspace, image.height, image.width], [1, 3, 4]);
    const decoded = decodePng(image.encoded_image_string);
    assert.deepEqual(decoded.shape, [1, 1, 3, 4]);
    const text = byTag('notes')[0]!;
    assert.equal(text.metadata?.plugin_data?.plugin_name, 'text');
    assert.equal(new TextDecoder().decode(text.tensor!.string_val![0]), '**done**');
    const hp = byTag('_hparams_/session_start_info')[0]!;
    assert.equal(hp.metadata?.plugin_data?.plugin_name, 'hparams');
    assert.deepEqual(nb.train.decodeHparams(hp.metadata!.plugin_data!.content!), { lr: 0.05, optimizer: 'sgd', nesterov: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TensorBoardLogger checks its options', () => {
  assert.throws(() => new trainNode.TensorBoardLogger({ logDir: '' }), /logDir must be a non-empty string/);
  assert.throws(() => new trainNode.TensorBoardLogger({ logDir: 'x', updateFreq: 0 }), /updateFreq must be 'epoch', 'batch' or a positive integer, got 0/);
  assert.throws(() => new trainNode.TensorBoardLogger({ logDir: 'x', histogramFreq: -1 }), /histogramFreq must be a non-negative integer/);
  assert.throws(() => new trainNode.TensorBoardLogger({ logDir: 'x', logdir: 'y' } as never), /unknown option 'logdir'/);
  assert.throws(() => nb.train.scalarEvent('', 1, 0), /tag must be a non-empty string/);
  assert.throws(() => nb.train.scalarEvent('a', 1, -1), /step must be a non-negative integer/);
  assert.throws(() => nb.train.hparamsEvent({ a: null } as never), /hyperparameter 'a' must be a number, string or boolean, got null/);
});
