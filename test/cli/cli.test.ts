import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { runCli } from '../helpers/cli.js';
import { loadSafetensors } from '../../src/io/node.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

describe('nabla CLI', () => {
  test('demo digits trains the CNN to >= 97% test accuracy and writes valid SVGs and weights', async () => {
    const out = join(dir, 'digits');
    const { code, out: printed } = await run('demo', 'digits', '--out', out);
    assert.equal(code, 0);
    const accuracy = Number(/Test accuracy: ([\d.]+)%/.exec(printed)?.[1]);
    assert.ok(accuracy >= 97, `test accuracy ${accuracy}%`);
    assert.match(printed, /precision {4}recall {2}f1-score {3}support/);
    assert.match(printed, /Confusion matrix \(rows: true class, columns: predicted class\)/);
    assert.match(printed, /Epoch 15\/15/);
    for (const svg of ['training-curves.svg', 'confusion-matrix.svg']) {
      const text = readFileSync(join(out, svg), 'utf8');
      assert.equal(XMLValidator.validate(text), true, `${svg} is well-formed XML`);
      assert.match(text, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    const weights = loadSafetensors(join(out, 'digits-cnn.safetensors'));
    assert.deepEqual(weights.tensors['0.weight']!.shape, [16, 1, 3, 3]);
    assert.equal(weights.metadata.model, 'digits-cnn');
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { metrics: Record<string, number[]> };
    assert.equal(history.metrics.val_accuracy!.length, 15);

    const info = await run('info', join(out, 'digits-cnn.safetensors'));
    assert.equal(info.code, 0);
    assert.match(info.out, /0\.weight\s+F32\s+\[16, 1, 3, 3\]\s+144/);
    assert.match(info.out, /8 tensors, 13,706 parameters and buffer elements/);
    assert.match(info.out, /model: digits-cnn/);
  });

  test('train fashion-mnist names what is missing', async () => {
    const noData = await run('train', 'fashion-mnist');
    assert.equal(noData.code, 1);
    assert.match(noData.err, /--data DIR is required/);
    const missing = await run('train', 'fashion-mnist', '--data', join(dir, 'nowhere'));
    assert.equal(missing.code, 1);
    assert.match(missing.err, /train-images-idx3-ubyte/);
  });

  test('train fashion-mnist runs on a small slice of the real data when it is present', { skip: !existsSync('../shared/datasets/fashion-mnist') }, async () => {
    const out = join(dir, 'fashion');
    const r = await run('train', 'fashion-mnist', '--data', '../shared/datasets/fashion-mnist', '--epochs', '1', '--limit', '1200', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Fashion-MNIST: 1100 training, 100 validation and 10000 test images/);
    assert.match(r.out, /Ankle boot/);
    assert.ok(existsSync(join(out, 'lenet5-fashion-mnist.safetensors')));
  });

  test('usage, version and bad arguments', async () => {
    const none = await run();
    assert.equal(none.code, 2);
    assert.match(none.out, /Usage:/);
    assert.match((await run('--version')).out, /^\d+\.\d+\.\d+$/);
    const unknown = await run('demo', 'cats');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown command 'demo cats'/);
    const badEpochs = await run('demo', 'digits', '--epochs', 'many');
    assert.match(badEpochs.err, /--epochs must be an integer in \[1, 1000\], got 'many'/);
    const badOption = await run('demo', 'digits', '--epoch', '3');
    assert.match(badOption.err, /unknown option --epoch \(options: --epochs, --out, --seed\)/);
    const badFile = await run('info', join(dir, 'missing.safetensors'));
    assert.equal(badFile.code, 1);
    assert.match(badFile.err, /cannot read .*missing\.safetensors/);
  });
});
