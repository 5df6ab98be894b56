/** Runs fn with `backend` as the default backend, then makes 'wasm' the default again. */
import * as nb from '../../src/index.js';

export function on<T>(backend: 'cpu' | 'wasm', fn: () => T): T {
  nb.setBackend(backend);
  try {
    return fn();
  } finally {
    nb.setBackend('wasm');
  }
}
