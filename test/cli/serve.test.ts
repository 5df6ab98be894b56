/** `nabla serve`'s server: COOP/COEP on every answer, .ts bundled as .js, nothing outside the folder. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startStaticServer } from '../../src/cli/serve.js';

let dir: string;
let served: Awaited<ReturnType<typeof startStaticServer>>;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nabla-serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(dir, 'app.ts'), 'const answer: number = 6 * 7;\nconsole.log(answer);\n');
  writeFileSync(join(dir, 'broken.ts'), 'const = ;\n');
  served = await startStaticServer(dir, 0);
});
after(async () => {
  await served.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET (fetch would normalize `..` away before it reaches the server). */
function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(served.url);
    request({ host: url.hostname, port: url.port, path }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    }).on('error', reject).end();
  });
}

test('serves index.html at / with the cross-origin isolation headers', async () => {
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html/);
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
});

test('bundles X.ts for a request of X.js; a bundling error is a 500 naming the problem', async () => {
  const r = await get('/app.js');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/javascript/);
  assert.doesNotMatch(r.body, /: number/, 'the types are stripped');
  assert.match(r.body, /6 \* 7/);
  const broken = await get('/broken.js');
  assert.equal(broken.status, 500);
  assert.match(broken.body, /broken\.ts|Expected/);
});

test('missing files are 404, paths leaving the folder are 403, and junk folders or ports are errors', async () => {
  assert.equal((await get('/nope.html')).status, 404);
  // The URL parser folds literal and %2e dot segments into the folder; an encoded slash is not folded.
  assert.equal((await get('/../../etc/passwd')).status, 404);
  assert.equal((await get('/%2e%2e/%2e%2e/etc/passwd')).status, 404);
  assert.equal((await get('/..%2f..%2f..%2fetc%2fpasswd')).status, 403);
  assert.equal((await get('/%E0%A4%A')).status, 400);
  await assert.rejects(startStaticServer(join(dir, 'missing'), 0), /nabla serve: .*missing is not a directory/);
  await assert.rejects(startStaticServer(join(dir, 'index.html'), 0), /is not a directory/);
  await assert.rejects(startStaticServer(dir, Number(new URL(served.url).port)), /EADDRINUSE/);
});
