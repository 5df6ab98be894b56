/**
 * The Node-only entry point, `import { data, io } from 'nabla/node'`: loaders and savers that
 * touch the file system. Everything here builds on browser-safe parsers in the main entry.
 */
export * as data from './data/node.js';
export * as io from './io/node.js';
export * as train from './train/node.js';
/** torch.load / torch.save's counterparts: state dicts from and to .pth/.pt or safetensors files. */
export { load, save } from './io/node.js';
export * as text from './text/node.js';
export * as audio from './audio/node.js';
export * as onnx from './onnx/node.js';
export * as tune from './tune/node.js';
