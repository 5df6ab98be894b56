/// <reference types="node" />
/**
 * What Node worker threads that run user code need (Node-only): the module's URL, the library's
 * own entry for the worker to import, and tsx's loader when either is TypeScript. Eval'd workers
 * do not run the parent's --import hooks, so a worker registers tsx itself from `tsxUrl`.
 */
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';

export interface WorkerUrls {
  /** The user's module. */
  moduleUrl: string;
  /** The library's entry point (the .ts source under tsx, as this file is). */
  nablaUrl: string;
  /** tsx's loader API, when the worker imports TypeScript. */
  tsxUrl: string | undefined;
}

/** The URLs a worker needs to import `module` (a path, relative to the working directory, or a URL) and the library. */
export function workerUrls(op: string, module: string | URL): WorkerUrls {
  const moduleUrl = module instanceof URL ? module.href : /^(file|data):/.test(module) ? module : pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
  const nablaUrl = new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url).href;
  const typescript = nablaUrl.endsWith('.ts') || moduleUrl.endsWith('.ts');
  return { moduleUrl, nablaUrl, tsxUrl: typescript ? tsxLoaderUrl(op) : undefined };
}

function tsxLoaderUrl(op: string): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    throw new Error(`${op}: a TypeScript module needs tsx installed (npm install -D tsx), or compile it to JavaScript`);
  }
}
