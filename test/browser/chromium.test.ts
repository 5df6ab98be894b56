/**
 * The promise "runs in browsers", checked in a real one: test/browser/page.ts is bundled for the
 * browser and run in headless Chromium (Debian's `chromium`, driven by playwright-core; no browser
 * download), once served with the COOP/COEP headers that shared memory needs (the wasm backend on
 * Web Worker threads) and once without them (the single-thread fallback). Skipped, with a visible
 * line, where Chromium is not installed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import type { BrowserReport } from './page.js';

const CHROMIUM = process.env.NABLA_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`SKIPPED: chromium not found at ${CHROMIUM} (apt-get install chromium)`);

/** Serves the page, its bundle and the op fixtures; with `isolated`, as a cross-origin isolated page. */
async function serve(bundle: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html', '<!doctype html><meta charset="utf-8"><title>nabla browser test</title><script type="module" src="page.js"></script>'],
    '/page.js': ['text/javascript', bundle],
    '/ops.json': ['application/json', readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8')],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': file[0] };
    if (isolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    response.writeHead(200, headers).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe('in headless Chromium', { skip: !available && 'chromium not installed' }, () => {
  let browser: Browser;
  let bundle: string;
  before(async () => {
    const result = await build({
      entryPoints: [new URL('./page.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    bundle = result.outputFiles[0]!.text;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  async function report(isolated: boolean): Promise<BrowserReport> {
    const { server, url } = await serve(bundle, isolated);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      await page.waitForFunction(() => (globalThis as { nablaResult?: unknown }).nablaResult !== undefined, undefined, { timeout: 120_000 });
      const result = (await page.evaluate(() => (globalThis as { nablaResult?: unknown }).nablaResult)) as BrowserReport | { error: string };
      await page.close();
      if ('error' in result) assert.fail(`the page failed: ${result.error}`);
      assert.deepEqual(errors, [], 'errors on the page');
      return result;
    } finally {
      server.close();
    }
  }

  function checkReport(r: BrowserReport): void {
    for (const backend of ['cpu', 'wasm']) {
      const g = r.golden[backend]!;
      assert.ok(g.checked > 400, `${backend}: only ${g.checked} samples checked`);
      assert.deepEqual(g.failures, [], `${backend}: op samples that disagree with PyTorch in the browser`);
    }
    assert.ok(r.training.matmulError < 1e-3, `wasm matmul differs from the reference by ${r.training.matmulError}`);
    assert.ok(r.training.lastLoss < r.training.firstLoss / 4, `loss ${r.training.firstLoss} -> ${r.training.lastLoss}`);
    assert.ok(r.training.accuracy > 0.95, `training accuracy ${r.training.accuracy}`);
    assert.equal(r.safetensors.keys, 4);
    assert.equal(r.safetensors.maxDifference, 0);
  }

  test('cross-origin isolated: the wasm backend runs on Web Worker threads', async () => {
    const r = await report(true);
    assert.equal(r.crossOriginIsolated, true);
    assert.ok(r.backend, 'the wasm backend did not load');
    assert.equal(r.backend.sharedMemory, true);
    assert.ok(r.backend.threads >= 2, `${r.backend.threads} thread(s)`);
    assert.ok(r.backend.workerChunks > 0, 'the Web Workers ran no part of any kernel');
    assert.equal(r.training.startedBeforeAnyKernel, r.backend.threads - 1, 'importing nabla starts the Web Workers (they run before any kernel asks)');
    assert.equal(r.backend.workersRunning, r.backend.threads - 1);
    checkReport(r);
  });

  test('without COOP/COEP: the single-thread fallback', async () => {
    const r = await report(false);
    assert.equal(r.crossOriginIsolated, false);
    assert.ok(r.backend, 'the wasm backend did not load');
    assert.equal(r.backend.sharedMemory, false);
    assert.equal(r.backend.threads, 1);
    assert.equal(r.backend.workerChunks, 0);
    assert.equal(r.backend.workersRunning, 0);
    checkReport(r);
  });
});
