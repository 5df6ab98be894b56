import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { nn, optim, train } from '../../src/index.js';
import { CSVLogger, JSONLogger, ModelCheckpoint, readHistory } from '../../src/train/node.js';
import { deserializeSafetensors } from '../../src/io/safetensors.js';
import { readPth } from '../../src/io/pth.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-callbacks-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function setup(): { model: nn.Sequential; data: [nb.Tensor, nb.Tensor][]; optimizer: optim.SGD } {
  nb.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 1));
  const x = nb.randn([32, 3]);
  const y = x.sum(1, true);
  return { model, data: [[x, y]], optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }) };
}

describe('Node callbacks', () => {
  test('ModelCheckpoint writes every epoch, or only improvements, with the epoch in the name', async () => {
    const { model, data, optimizer } = setup();
    const every = new ModelCheckpoint(join(dir, 'every', 'model-{epoch}.safetensors'), { monitor: 'loss' });
    const best = new ModelCheckpoint(join(dir, 'best.safetensors'), { monitor: 'val_loss', saveBestOnly: true });
    const fake = [3, 2, 2.5, 1];
    let e = 0;
    const injectVal = new (class extends train.Callback {
      override onEpochEnd(_epoch: number, logs: train.Logs): void {
        logs.val_loss = fake[e++]!;
      }
    })();
    await train.fit(model, {
      train: data,
      loss: (o, t) => nb.F.mseLoss(o, t),
      optimizer,
      epochs: 4,
      callbacks: [injectVal, every, best],
      verbose: 0,
    });
    assert.deepEqual(readdirSync(join(dir, 'every')).sort(), [1, 2, 3, 4].map((i) => `model-${i}.safetensors`));
    assert.equal(best.saved.length, 3, 'epochs 1, 2 and 4 improved val_loss');
    const saved = deserializeSafetensors(readFileSync(join(dir, 'best.safetensors')));
    assert.equal(saved.metadata.epoch, '4');
    assert.deepEqual(Object.keys(saved.tensors).sort(), Object.keys(model.stateDict()).sort());
    assert.deepEqual(saved.tensors['0.weight']!.toArray(), model.stateDict()['0.weight']!.toArray());
  });

  test('ModelCheckpoint writes a PyTorch checkpoint when the path ends in .pth', async () => {
    const { model, data, optimizer } = setup();
    const checkpoint = new ModelCheckpoint(join(dir, 'torch', 'model-{epoch}.pth'), { monitor: 'loss' });
    await train.fit(model, { train: data, loss: (o, t) => nb.F.mseLoss(o, t), optimizer, epochs: 2, callbacks: [checkpoint], verbose: 0 });
    const saved = readPth(readFileSync(join(dir, 'torch', 'model-2.pth')));
    assert.deepEqual(saved.tensors['2.bias']!.toArray(), model.stateDict()['2.bias']!.toArray());
  });

  test('ModelCheckpoint into an uncreatable or unwritable directory fails in onTrainBegin, before any epoch trains', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const unwritable = process.getuid?.() === 0 ? '/sys' : join(dir, 'read-only');
    if (unwritable !== '/sys') {
      mkdirSync(unwritable);
      chmodSync(unwritable, 0o555);
    }
    const cases: [string, string][] = [
      [join(blocker, 'sub', 'model-{epoch}.safetensors'), join(blocker, 'sub')],
      [join(unwritable, 'model.safetensors'), unwritable],
      [join(unwritable, '{epoch}', 'model.safetensors'), unwritable],
    ];
    for (const [path, shown] of cases) {
      const { model, data, optimizer } = setup();
      const before = model.stateDict()['0.weight']!.toArray();
      let epochs = 0;
      const counter = new (class extends train.Callback {
        override onEpochBegin(): void {
          epochs++;
        }
      })();
      await assert.rejects(
        train.fit(model, { train: data, loss: (o, t) => nb.F.mseLoss(o, t), optimizer, epochs: 2, callbacks: [counter, new ModelCheckpoint(path, { monitor: 'loss' })], verbose: 0 }),
        (e: unknown) => e instanceof Error && e.message.startsWith(`ModelCheckpoint: cannot write checkpoints to ${shown} (for '${path}'): `),
      );
      assert.equal(epochs, 0, `no epoch ran for ${path}`);
      assert.deepEqual(model.stateDict()['0.weight']!.toArray(), before);
    }
  });

  test('ModelCheckpoint placeholders: a key the logs lack is an error, Keras formats are filled, stray braces are rejected', async () => {
    const { model, data, optimizer } = setup();
    const run = (path: string): Promise<unknown> =>
      train.fit(model, { train: data, loss: (o, t) => nb.F.mseLoss(o, t), optimizer, epochs: 2, callbacks: [new ModelCheckpoint(path, { monitor: 'loss' })], verbose: 0 });
    const missing = join(dir, 'placeholders', 'model-{val_loss}.safetensors');
    await assert.rejects(run(missing), {
      message: `ModelCheckpoint: the path '${missing}' uses {val_loss}, but epoch 1 logged no 'val_loss' (logged: epoch, loss, lr)`,
    });
    assert.ok(!existsSync(join(dir, 'placeholders', 'model-{val_loss}.safetensors')), 'nothing written under the literal name');
    const checkpoint = new ModelCheckpoint(join(dir, 'placeholders', 'm-{epoch:02d}-{loss:.2f}-{lr:.1e}-{epoch}.safetensors'), { monitor: 'loss' });
    await train.fit(model, { train: data, loss: (o, t) => nb.F.mseLoss(o, t), optimizer, epochs: 2, callbacks: [checkpoint], verbose: 0 });
    assert.deepEqual(checkpoint.saved.map((p) => p.slice(p.lastIndexOf('/') + 1).replace(/-\d+\.\d\d-/, '-L-')), ['m-01-L-5.0e-02-1.safetensors', 'm-02-L-5.0e-02-2.safetensors']);
    assert.throws(() => new ModelCheckpoint('m-{val loss}.safetensors'), /^Error: ModelCheckpoint: '\{val loss\}' in 'm-\{val loss\}.safetensors' is not a placeholder/);
    assert.throws(() => new ModelCheckpoint('m-{epoch:x}.safetensors'), /is not a placeholder: use \{epoch\}, \{name\} or \{name:format\}/);
    assert.throws(() => new ModelCheckpoint('m-{epoch.safetensors'), /^Error: ModelCheckpoint: 'm-\{epoch.safetensors' has an unmatched brace/);
  });

  test('a checkpoint is never half-written: killing the process mid-save leaves a complete file', async () => {
    const path = join(dir, 'killed.safetensors');
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', new URL('./helpers/checkpoint-writer.ts', import.meta.url).pathname, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => {
        let seen = 0;
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString().split('\n').filter((l) => l.startsWith('saving')).length;
          // Kill while a later save is in progress (the first one completed).
          if (seen >= 2 + round) {
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      await new Promise((r) => child.once('exit', r));
      const contents = deserializeSafetensors(readFileSync(path));
      assert.deepEqual(contents.tensors['0.weight']!.shape, [2000, 1000]);
      assert.deepEqual(contents.tensors['1.weight']!.shape, [1000, 2000]);
    }
  });

  test('CSVLogger and JSONLogger write one row per epoch', async () => {
    const { model, data, optimizer } = setup();
    const csv = join(dir, 'logs', 'train.csv');
    const jsonl = join(dir, 'logs', 'train.jsonl');
    await train.fit(model, {
      train: data,
      validation: data,
      loss: (o, t) => nb.F.mseLoss(o, t),
      optimizer,
      epochs: 3,
      callbacks: [new CSVLogger(csv), new JSONLogger(jsonl)],
      verbose: 0,
    });
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'epoch,loss,lr,val_loss');
    assert.equal(rows.length, 4);
    assert.match(rows[3]!, /^2,[\d.e-]+,0\.05,[\d.e-]+$/);
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    assert.deepEqual(lines.map((l) => l.epoch), [0, 1, 2]);
    assert.ok(lines[2]!.loss! < lines[0]!.loss!);
  });

  test('history.json and JSONLogger files keep non-finite values, and readHistory reads them back as numbers', () => {
    const jsonl = join(dir, 'logs', 'nonfinite.jsonl');
    const logger = new JSONLogger(jsonl);
    logger.onTrainBegin();
    const history = new train.History(true);
    const odd = [Infinity, NaN, -Infinity];
    odd.forEach((v, epoch) => {
      const logs = { loss: 1 / (epoch + 1), val_loss: v };
      history.addBatch({ loss: v });
      history.addEpoch(epoch, logs);
      logger.onEpochEnd(epoch, logs);
    });
    const text = JSON.stringify(history, null, 2);
    const { metrics } = JSON.parse(text) as { metrics: Record<string, unknown[]> };
    assert.ok(!JSON.stringify(metrics).includes('null'), 'no logged value is written as null');
    assert.deepEqual(metrics.val_loss, ['Infinity', 'NaN', '-Infinity']);
    const file = join(dir, 'logs', 'history.json');
    writeFileSync(file, text);
    for (const read of [readHistory(file), readHistory(jsonl), train.History.fromJSON(JSON.parse(text))]) {
      assert.deepEqual(read.epochs, [0, 1, 2]);
      assert.deepEqual(read.get('val_loss'), odd);
      assert.deepEqual(read.get('loss'), history.get('loss'));
    }
    assert.deepEqual(train.History.fromJSON(JSON.parse(text)).batches, { loss: odd });
    assert.match(readFileSync(jsonl, 'utf8').split('\n')[1]!, /"val_loss":"NaN"/);
    assert.throws(() => train.History.fromJSON({ epochs: [0], metrics: { loss: ['Inf'] } }),
      /^Error: History.fromJSON: metrics.loss\[0\]: expected a number or "Infinity", "-Infinity", "NaN", got "Inf"/);
    assert.throws(() => train.History.fromJSON([]), /History.fromJSON: expected an object, got an array/);
  });
});
