/**
 * The core must run in browsers: bundling src/index.ts for the browser platform must not pull in
 * any Node built-in module (Node-only code lives behind the package's Node-only entry points),
 * and the bundle must run in a bare JavaScript context without Node's globals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { runInNewContext } from 'node:vm';

const entry = new URL('../src/index.ts', import.meta.url).pathname;

test('src/index.ts bundles for browsers with no Node built-ins', async () => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'nabla',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  const nodeImports = Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((i) => i.path.startsWith('node:') || ['fs', 'path', 'zlib', 'worker_threads', 'os', 'url'].includes(i.path));
  assert.deepEqual(nodeImports, [], 'Node built-ins reached from the browser entry point');

  // Run the bundle where there is no process, require, Buffer or module system.
  const code = result.outputFiles[0]!.text;
  const sandbox: Record<string, unknown> = {
    console, Math, performance, atob, btoa, TextDecoder, TextEncoder, URL, WebAssembly, setTimeout, clearTimeout, queueMicrotask,
  };
  runInNewContext(`${code}\nglobalThis.result = (() => {
    const x = nabla.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.matmul(x).sum().backward();
    return x.grad.toArray();
  })();`, sandbox);
  assert.deepEqual(JSON.parse(JSON.stringify(sandbox.result)), [[7, 11], [9, 13]]);
});
