/** Node-only ONNX helpers (nabla/node): export to a file path (written atomically). */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from '../io/node.js';
import { exportModel, type ExportOptions } from './export.js';

/** Traces the model as onnx.exportModel does and writes the .onnx file to `path`. */
export function exportModelToFile(model: Module, sampleInputs: Tensor | readonly Tensor[], path: string, options: ExportOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new Error(`onnx.exportModelToFile: path must be a non-empty string, got ${JSON.stringify(path)}`);
  writeFileAtomic(path, exportModel(model, sampleInputs, options));
}
