/**
 * `nabla dashboard`: the run summaries it serves, and the page in headless Chromium (Debian's
 * chromium via playwright-core; skipped with a printed line when absent), with a screenshot.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import * as nb from '../../src/index.js';
import { train as trainNode } from '../../src/node.js';
import { startDashboard, summarizeRuns, type Dashboard } from '../../src/cli/dashboard.js';
import { decodePng } from '../../src/data/index.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`SKIPPED: chromium not found at ${CHROMIUM} (apt-get install chromium)`);

const root = mkdtempSync(join(tmpdir(), 'nabla-dash-'));
let dashboard: Dashboard;

/** Two runs written by fit() with TensorBoardLogger, one with a confusion matrix. */
before(async () => {
  for (const [name, lr] of [['sgd-0.1', 0.1], ['sgd-0.01', 0.01]] as const) {
    nb.manualSeed(0);
    const model = new nb.nn.Sequential(new nb.nn.Linear(2, 8), new nb.nn.ReLU(), new nb.nn.Linear(8, 3));
    const x = nb.randn([30, 2]);
    const y = nb.argmax(x.matmul(nb.tensor([[1, 0, -1], [0, 1, -1]], { dtype: 'float32' })), 1).to('int32');
    const logger = new trainNode.TensorBoardLogger({ logDir: join(root, name) });
    await nb.train.fit(model, {
      train: [[x, y]],
      loss: (out, target) => nb.F.crossEntropy(out, target),
      optimizer: new nb.optim.SGD(model.parameters(), { lr }),
      epochs: 5,
      callbacks: [logger],
      verbose: 0,
    });
    if (name === 'sgd-0.1') {
      const pred = nb.argmax(nb.noGrad(() => model.forward(x)), 1);
      logger.logConfusionMatrix('test/confusion', nb.metrics.confusionMatrix(pred, y, { numClasses: 3 }), 4, ['a', 'b', 'c']);
    }
  }
  writeFileSync(join(root, 'events.out.tfevents.0.broken'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
  dashboard = await startDashboard(root, 0);
});
after(async () => {
  await dashboard?.close();
  rmSync(root, { recursive: true, force: true });
});

test('summarizeRuns: scalars, lr, histograms and confusion matrices per run; a broken file is reported', () => {
  const runs = summarizeRuns(root);
  assert.deepEqual(runs.map((r) => r.name).sort(), ['.', 'sgd-0.01', 'sgd-0.1']);
  const run = runs.find((r) => r.name === 'sgd-0.1')!;
  assert.deepEqual(run.scalars['epoch/loss']!.map((p) => p[0]), [0, 1, 2, 3, 4]);
  assert.ok(Math.abs(run.scalars['epoch/lr']![0]![1] - 0.1) < 1e-7);
  assert.ok(run.histograms['weights/0.weight']!.counts.reduce((a, b) => a + b, 0) === 16);
  const cm = run.confusion['test/confusion']!;
  assert.deepEqual(cm.classNames, ['a', 'b', 'c']);
  assert.equal(cm.matrix.flat().reduce((a, b) => a + b, 0), 30);
  assert.match(runs.find((r) => r.name === '.')!.error ?? '', /TFRecord: the length CRC/);
});

test('the server answers on 127.0.0.1 and refuses other paths and methods', async () => {
  assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const runs = (await (await fetch(`${dashboard.url}api/runs`)).json()) as unknown[];
  assert.equal(runs.length, 3);
  assert.equal((await fetch(`${dashboard.url}nope`)).status, 404);
  assert.equal((await fetch(dashboard.url, { method: 'POST' })).status, 405);
  assert.throws(() => startDashboard(root, 70000), /port must be an integer from 0 to 65535/);
});

test('the page shows curves, lr, histograms and the confusion matrix in headless Chromium', { skip: !hasChromium && 'chromium not installed' }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    await page.goto(dashboard.url);
    await page.waitForSelector('.chart path.series', { timeout: 20000 });
    const tags = await page.$$eval('.chart', (cards) => cards.map((c) => (c as HTMLElement).dataset.tag));
    assert.ok(tags.includes('epoch/loss') && tags.includes('epoch/lr'), `charts: ${tags.join(', ')}`);
    // Both runs are drawn on the loss chart.
    assert.equal(await page.$$eval('.chart[data-tag="epoch/loss"] path.series', (p) => p.length), 2);
    assert.ok((await page.$$eval('.histogram', (h) => h.length)) >= 8);
    const cells = await page.$$eval('table.confusion td', (tds) => tds.map((td) => Number(td.textContent)));
    assert.equal(cells.length, 9);
    assert.equal(cells.reduce((a, b) => a + b, 0), 30);
    assert.match(await page.textContent('#status') ?? '', /3 run\(s\)/);
    const shot = new Uint8Array(await page.screenshot({ fullPage: true }));
    const image = decodePng(shot);
    // The screenshot is not blank: the curves' blue and red strokes are in it.
    const [, c, h, w] = image.shape;
    const px = image.toTypedArray();
    let blue = 0;
    let red = 0;
    for (let i = 0; i < h! * w!; i++) {
      const [r, g, b] = [px[i]!, px[h! * w! + i]!, px[2 * h! * w! + i]!];
      if (b > 0.6 && r < 0.25 && g < 0.6) blue++;
      if (r > 0.7 && g < 0.25 && b < 0.25) red++;
    }
    assert.ok(c! >= 3 && blue > 500 && red > 50, `blue ${blue}, red ${red} pixels`);
  } finally {
    await browser.close();
  }
});
