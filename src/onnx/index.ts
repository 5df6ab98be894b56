/** nb.onnx: ONNX export (tracing, export.ts) of Modules, browser-safe; onnx.proto from the official schema. */
export { exportModel, type ExportOptions } from './export.js';
