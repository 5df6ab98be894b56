/** Saving and loading tensors: safetensors and PyTorch .pth from and to bytes (browser-safe). File helpers are in 'nabla/node'. */
export {
  serializeSafetensors, deserializeSafetensors, readSafetensorsHeader, parseSafetensorsHeader, headerLengthOf, stateDictToBytes, loadStateDictFromBytes, MAX_HEADER_BYTES,
} from './safetensors.js';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader, SafetensorsContents, HasStateDict, LoadOptions } from './safetensors.js';
export { readPth, loadPth, savePth, summarizePth } from './pth.js';
export type { PthValue, PthDict, PthContents, PthSummary, PthTensorInfo, TorchDType, LoadPthOptions, SavePthOptions } from './pth.js';
export { toTorchSource } from './torch-source.js';
export type { TorchSourceOptions } from './torch-source.js';
