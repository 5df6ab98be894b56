/// <reference types="node" />
/**
 * Node-only: safetensors files. Writes are atomic (a temporary file in the same directory,
 * then a rename), so a crash mid-save leaves the previous file intact.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import {
  deserializeSafetensors,
  headerLengthOf,
  loadStateDictFromBytes,
  parseSafetensorsHeader,
  serializeSafetensors,
  stateDictToBytes,
  type HasStateDict,
  type LoadOptions,
  type SafetensorsContents,
  type SafetensorsHeader,
} from './safetensors.js';

/** Writes bytes to `path` through a temporary sibling file and a rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
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

/** Saves a module's state dict (nn.Module, a scaler, anything with stateDict()) as a safetensors file. */
export function save(module: HasStateDict, path: string, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, stateDictToBytes(module, metadata));
}

/** Loads a safetensors file into a module (strict key matching by default); returns the file's metadata. */
export function load(module: HasStateDict, path: string, options: LoadOptions = {}): Record<string, string> {
  const bytes = readFile('load', path);
  return withPath(path, () => loadStateDictFromBytes(module, bytes, options));
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
