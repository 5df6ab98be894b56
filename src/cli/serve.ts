/**
 * `nabla serve DIR [--port 8080]`: serves a static page on 127.0.0.1 with the COOP/COEP headers
 * that make it cross-origin isolated (SharedArrayBuffer, so the wasm backend runs on Web Worker
 * threads). A request for X.js where DIR has X.ts (and no X.js) gets X.ts bundled for the browser
 * by esbuild at that moment, so examples/browser needs no build step.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** The headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;

async function bundle(entry: string): Promise<string> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(`nabla serve: bundling ${entry} needs the esbuild package (npm install --save-dev esbuild)`);
  }
  const result = await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

/** Starts the server (port 0 picks a free one); `url` ends with a slash. */
export async function startStaticServer(dir: string, port: number): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`nabla serve: ${dir} is not a directory`);
  const bundles = new Map<string, Promise<string>>();
  const server = createServer((request, response) => {
    const send = (status: number, type: string, body: string | Buffer): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...ISOLATION_HEADERS }).end(body);
    };
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      send(400, 'text/plain', 'bad request');
      return;
    }
    const file = resolve(join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      send(403, 'text/plain', 'outside the served folder');
      return;
    }
    const source = file.replace(/\.js$/, '.ts');
    if (extname(file) === '.js' && !existsSync(file) && existsSync(source)) {
      // Bundled once per server: restart `nabla serve` after editing the page's TypeScript.
      if (!bundles.has(source)) bundles.set(source, bundle(source));
      bundles.get(source)!.then(
        (code) => send(200, CONTENT_TYPES['.js']!, code),
        (error: unknown) => {
          bundles.delete(source);
          send(500, 'text/plain', error instanceof Error ? error.message : String(error));
        },
      );
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      send(404, 'text/plain', `not found: ${pathname}`);
      return;
    }
    send(200, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, server, close: () => new Promise<void>((done) => server.close(() => done())) };
}
