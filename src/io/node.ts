/// <reference types="node" />
/**
 * Node-only: safetensors and PyTorch .pth files. Files are read by content (a zip is a .pth,
 * anything else safetensors); saving picks the format by extension (.pth/.pt or not). Writes are
 * atomic and durable: the bytes go to a hidden temporary sibling (`.<name>.<pid>.<time>.tmp`),
 * which is fsynced, renamed over the file, and then the directory is fsynced, so neither a crash
 * nor a power loss leaves a torn file. A temporary left by a killed writer is removed by the next
 * save of the same file.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { loadPth, looksLikePth, readPth, savePth, type LoadPthOptions, type PthContents, type SavePthOptions } from './pth.js';
import {
  deserializeSafetensors,
  headerLengthOf,
  parseSafetensorsHeader,
  serializeSafetensors,
  type HasStateDict,
  type LoadOptions,
  type SafetensorsContents,
  type SafetensorsHeader,
} from './safetensors.js';

/**
 * For tests only: called with the temporary file's path once it holds every byte (fsynced),
 * just before the rename. The kill-during-save test pauses a child process here.
 */
export const atomicWriteHooks: { beforeRename: ((temporary: string) => void) | null } = { beforeRename: null };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a process with this id exists (EPERM: it does, but belongs to someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporaries that earlier writes of `path` left behind when they were killed: only
 * names of our exact pattern, and only those whose writing process is gone (or is this process,
 * whose writes are synchronous, so any temporary of its own found now is stale).
 */
function removeStaleTemporaries(path: string): void {
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.(\\d+)\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return; // The write itself will report a missing or unreadable directory.
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || !processExists(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

/** fsync a directory so a rename in it survives a power loss; platforms that cannot (Windows) say so, and are skipped. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF' && code !== 'ENOTSUP') throw e;
  } finally {
    closeSync(fd);
  }
}

/** Writes bytes to `path` through a fsynced temporary sibling file and a rename (see the file comment). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  removeStaleTemporaries(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(temporary, 'wx');
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    atomicWriteHooks.beforeRename?.(temporary);
    renameSync(temporary, path);
    syncDirectory(dirname(path));
  } catch (e) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function readFile(op: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(`${op}: cannot read ${path}: ${(e as Error).message}`);
  }
}

function withPath<T>(path: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

type StateDictSource = HasStateDict | Record<string, Tensor> | Map<string, Tensor>;

/** Whether save() writes `path` as a PyTorch checkpoint (it ends in .pth or .pt). */
export function isPthPath(path: string): boolean {
  return /\.(pth|pt)$/i.test(path);
}

/**
 * Saves a state dict, or a module's (nn.Module, a scaler, anything with stateDict()): as a
 * PyTorch checkpoint that torch.load reads when the path ends in .pth or .pt, as safetensors
 * otherwise. Metadata (strings) can only go into safetensors.
 */
export function save(source: StateDictSource, path: string, metadata: Record<string, string> = {}, options: SavePthOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new Error(`save: the path must be a non-empty string, got ${typeof path === 'string' ? "''" : typeof path}`);
  if (source === null || typeof source !== 'object') throw new Error(`save: expected a module or a state dict, got ${source === null ? 'null' : typeof source}`);
  const tensors = typeof (source as HasStateDict).stateDict === 'function' ? (source as HasStateDict).stateDict() : (source as Record<string, Tensor> | Map<string, Tensor>);
  if (isPthPath(path)) {
    if (metadata === null || typeof metadata !== 'object' || Object.keys(metadata).length > 0) {
      throw new Error(`save: ${path}: a .pth file has no place for metadata; save as .safetensors to keep it`);
    }
    writeFileAtomic(path, savePth(tensors, options));
  } else {
    if (Object.keys(options).length > 0) throw new Error(`save: ${path}: options (${Object.keys(options).join(', ')}) apply to .pth files only`);
    writeFileAtomic(path, serializeSafetensors(tensors, metadata));
  }
}

/** A file's tensors by content: a .pth (zip) through loadPth, safetensors otherwise. */
function tensorsOf(bytes: Uint8Array, path: string, options: LoadPthOptions): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  return withPath(path, () => {
    if (looksLikePth(bytes)) return { tensors: loadPth(bytes, options), metadata: {} };
    if (options.key !== undefined) throw new Error('the key option picks an entry of a .pth checkpoint; this file is safetensors');
    const { tensors, metadata } = deserializeSafetensors(bytes);
    return { tensors, metadata };
  });
}

/**
 * load(path): a .pth/.pt or safetensors file's state dict (name -> Tensor; for a nested .pth
 * checkpoint every tensor by dotted path, or the entry named by options.key).
 * load(module, path): loads the file into a module with loadStateDict (strict key matching by
 * default) and returns the file's metadata (empty for .pth).
 */
export function load(path: string, options?: LoadPthOptions): Record<string, Tensor>;
export function load(module: HasStateDict, path: string, options?: LoadOptions & LoadPthOptions): Record<string, string>;
export function load(
  first: string | HasStateDict,
  second?: string | LoadPthOptions,
  third: LoadOptions & LoadPthOptions = {},
): Record<string, Tensor> | Record<string, string> {
  if (typeof first === 'string') {
    const options = (second ?? {}) as LoadPthOptions;
    if (options === null || typeof options !== 'object') throw new Error(`load: options must be an object, got ${options === null ? 'null' : typeof options}`);
    return tensorsOf(readFile('load', first), first, options).tensors;
  }
  if (first === null || typeof first !== 'object' || typeof first.loadStateDict !== 'function') {
    throw new Error('load: expected a path, or an object with a loadStateDict() method (an nn.Module, for example) and a path');
  }
  if (typeof second !== 'string') throw new Error(`load: the path must be a string, got ${typeof second}`);
  const { strict, ...pthOptions } = third;
  const { tensors, metadata } = tensorsOf(readFile('load', second), second, pthOptions);
  withPath(second, () => first.loadStateDict(tensors, { strict: strict ?? true }));
  return metadata;
}

/** Reads a .pth file: the whole object torch.save wrote, its tensors by dotted path, and their file dtypes. */
export function readPthFile(path: string): PthContents {
  const bytes = readFile('readPthFile', path);
  return withPath(path, () => readPth(bytes));
}

/** Writes tensors and metadata to a safetensors file. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor> | Map<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** Reads every tensor and the metadata of a safetensors file. */
export function loadSafetensors(path: string): SafetensorsContents {
  const bytes = readFile('loadSafetensors', path);
  return withPath(path, () => deserializeSafetensors(bytes));
}

/** Reads and checks only the header of a safetensors file (names, dtypes, shapes, metadata), not its data. */
export function readSafetensorsFileHeader(path: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`readSafetensorsFileHeader: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const fileLength = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    readSync(fd, prefix, 0, 8, 0);
    return withPath(path, () => {
      const headerLength = headerLengthOf(prefix, fileLength);
      const bytes = new Uint8Array(8 + headerLength);
      bytes.set(prefix);
      readSync(fd, bytes, 8, headerLength, 8);
      return parseSafetensorsHeader(bytes, fileLength);
    });
  } finally {
    closeSync(fd);
  }
}
