/** nb.onnx: ONNX export (tracing, export.ts) and import (import.ts) of Modules, browser-safe; onnx.proto from the official schema. */
export { exportModel, type ExportOptions } from './export.js';
export { load, OnnxModel, supportedOps } from './import.js';
