/**
 * examples/browser in headless Chromium (Debian's `chromium`, driven by playwright-core), served
 * by `nabla serve`'s server (COOP/COEP headers, main.ts bundled on request): the page trains the
 * digits CNN on Web Worker threads to >= 90% on held-out digits, draws the loss chart, and
 * classifies a "1" drawn with the mouse. Skipped, with a visible line, without Chromium.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startStaticServer } from '../../src/cli/serve.js';
import type { DemoState } from '../../examples/browser/main.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`SKIPPED: chromium not found at ${CHROMIUM} (apt-get install chromium)`);

describe('the browser demo page', { skip: !available && 'chromium not installed' }, () => {
  let browser: Browser;
  let served: Awaited<ReturnType<typeof startStaticServer>>;
  before(async () => {
    served = await startStaticServer(new URL('../../examples/browser', import.meta.url).pathname, 0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await served?.close();
  });

  test('trains to >= 90% held-out accuracy with a live chart, and classifies a drawn 1', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(served.url);
    const read = (): Promise<DemoState> => page.evaluate(() => (globalThis as unknown as { nablaDemo: DemoState }).nablaDemo);

    // Mid-training the page still answers: the chart already has points and the status moves.
    await page.waitForFunction(() => ((globalThis as unknown as { nablaDemo?: DemoState }).nablaDemo?.epoch ?? 0) >= 1, undefined, { timeout: 60_000 });
    const during = await read();
    assert.equal(during.phase, 'training');
    assert.match(await page.locator('#status').textContent() ?? '', /^Epoch \d+\/12/);

    await page.waitForFunction(() => ['ready', 'failed'].includes((globalThis as unknown as { nablaDemo: DemoState }).nablaDemo.phase), undefined, { timeout: 90_000 });
    const done = await read();
    assert.equal(done.error, undefined);
    assert.equal(done.phase, 'ready');
    assert.deepEqual(errors, []);
    assert.ok(done.threads >= 2, `${done.threads} thread(s): the page is served cross-origin isolated, so the pool should run`);
    assert.match(await page.locator('#backend').textContent() ?? '', new RegExp(`^Backend: wasm .*${done.threads} threads$`));
    assert.equal(done.losses.length, 12);
    assert.ok(done.losses.every(Number.isFinite));
    assert.ok(done.losses[11]! < done.losses[0]! / 3, `loss ${done.losses[0]} -> ${done.losses[11]}`);
    assert.ok(done.testAccuracy >= 0.9, `held-out accuracy ${done.testAccuracy}`);
    assert.equal(await page.locator('#chart svg polyline, #chart svg path').count() > 0, true, 'the loss chart has a line');

    // A "1": one vertical stroke down the middle of the board (the 160 px canvas is 8 cells of
    // 20 px; the pen is one cell wide). The digits data's ones are exactly that: a bar two
    // cells wide in the middle columns, the shape least likely to be confused after 8x8 pooling.
    const box = (await page.locator('#board').boundingBox())!;
    const cell = box.width / 8;
    await page.mouse.move(box.x + 4 * cell, box.y + 1 * cell);
    await page.mouse.down();
    for (let row = 1; row <= 7; row += 0.5) await page.mouse.move(box.x + 4 * cell, box.y + row * cell);
    await page.mouse.up();
    const drawn = await read();
    console.log(`demo page: ${done.threads} threads, loss ${done.losses[0]!.toFixed(3)} -> ${done.losses[11]!.toFixed(4)}, held-out accuracy ${done.testAccuracy.toFixed(3)}, drawn 1 -> ${drawn.prediction}`);
    assert.equal(drawn.drawing.length, 64);
    const column = (c: number): number[] => drawn.drawing.filter((_, i) => i % 8 === c);
    for (const c of [0, 1, 2, 5, 6, 7]) assert.deepEqual(column(c), [0, 0, 0, 0, 0, 0, 0, 0], `column ${c} of the 8x8 drawing: ${drawn.drawing}`);
    assert.ok(column(3).slice(1, 7).every((v) => v >= 6) && column(4).slice(1, 7).every((v) => v >= 6), `the stroke's cells: ${drawn.drawing}`);
    assert.equal(drawn.prediction, 1, `the drawn 1 (${drawn.drawing}) was classified as ${drawn.prediction}`);
    assert.equal(await page.locator('#prediction').textContent(), '1');
    await page.close();
  });
});
