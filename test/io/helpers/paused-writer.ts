/**
 * Child process for the atomic-write kill test: saves a model over `path`, but pauses once the
 * temporary file holds every byte, just before the rename, announcing the temporary's path and
 * the expected size on stdout; the parent kills it there.
 */
import * as nb from '../../../src/index.js';
import { atomicWriteHooks, save } from '../../../src/io/node.js';
import { stateDictToBytes } from '../../../src/io/safetensors.js';

const path = process.argv[2]!;
nb.manualSeed(2);
const model = new nb.nn.Linear(300, 200);
const size = stateDictToBytes(model, {}).length;
atomicWriteHooks.beforeRename = (temporary) => {
  process.stdout.write(`${JSON.stringify({ temporary, size })}\n`);
  // Block (without spinning) until killed.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};
save(model, path);
