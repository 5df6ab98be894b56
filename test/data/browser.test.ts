/**
 * The data, metrics, io and plot modules in a bare JavaScript context (no Buffer, process or
 * require), bundled for browsers as a web page would: bundled datasets, gzip, PNG/JPEG decoding,
 * safetensors and SVG all work without Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import jpeg from 'jpeg-js';

test('data, metrics, io and plot run in a browser-like context', async () => {
  const result = await build({
    entryPoints: [new URL('../../src/index.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'nabla',
    write: false,
    logLevel: 'silent',
  });
  const rgba = new Uint8Array(4 * 4 * 4).fill(200);
  const jpegBytes = Array.from(jpeg.encode({ width: 4, height: 4, data: rgba }, 90).data);
  const sandbox: Record<string, unknown> = { console, Math, atob, btoa, TextDecoder, TextEncoder, setTimeout, clearTimeout, queueMicrotask, jpegBytes };
  runInNewContext(`${result.outputFiles[0]!.text}
    globalThis.result = (() => {
      const { data, io, metrics, plot } = nabla;
      const digits = data.loadDigits();
      const idx = data.parseIdx(data.encodeIdx('uint8', [2], [3, 4]));
      const png = data.decodePng(data.encodePng(nabla.ones([3, 2, 2])));
      const photo = data.decodeJpeg(new Uint8Array(jpegBytes));
      const file = io.deserializeSafetensors(io.serializeSafetensors({ w: digits.features.narrow(0, 0, 2) }, { from: 'browser' }));
      const loader = new data.DataLoader(new data.TensorDataset(digits.features, digits.labels), { batchSize: 100, shuffle: true, seed: 1 });
      let batches = 0;
      for (const [x] of loader) batches += x.shape[0] === 100 || x.shape[0] === 97 ? 1 : 0;
      const svg = plot.lineChart([{ label: 'loss', y: [1, 0.5] }]);
      return {
        digits: digits.images.shape, idx: Array.from(idx.data), png: png.shape, photo: photo.shape, meta: file.metadata,
        batches, svg: svg.startsWith('<svg'), acc: metrics.accuracy([0, 1, 1], [0, 1, 0]),
      };
    })();`, sandbox);
  assert.deepEqual(JSON.parse(JSON.stringify(sandbox.result)), {
    digits: [1797, 1, 8, 8], idx: [3, 4], png: [1, 3, 2, 2], photo: [1, 3, 4, 4], meta: { from: 'browser' }, batches: 18, svg: true, acc: 2 / 3,
  });
});
