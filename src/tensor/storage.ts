import type { TypedArray } from './dtype.js';

let created = 0;

/** The memory behind a tensor and all its views, with the version counter in-place ops bump. */
export class Storage {
  version = 0;
  /** Storages are numbered in order of creation (see Storage.count). */
  readonly serial = created++;
  #data: TypedArray;

  constructor(data: TypedArray) {
    this.#data = data;
  }

  /** How many storages were created so far: a later storage's serial is at least this. */
  static get count(): number {
    return created;
  }

  get data(): TypedArray {
    return this.#data;
  }

  /**
   * Internal: hands the array over for reuse, leaving the storage empty (length 0), so that a
   * tensor still reading it would fail loudly rather than see another tensor's values. The
   * autograd engine calls it for intermediate gradients no tensor can reach any more.
   */
  surrender(): TypedArray {
    const data = this.#data;
    this.#data = new (data.constructor as new (length: number) => TypedArray)(0);
    return data;
  }

  /**
   * Moves the values into `next` (an array of the same type and length), which every tensor
   * sharing this storage reads and writes from then on: how a backend takes long-lived arrays
   * (parameters) into the memory its kernels work on in place. Arrays taken from `data` before
   * keep the old values.
   */
  relocate(next: TypedArray): void {
    const data = this.#data;
    if (next.constructor !== data.constructor || next.length !== data.length) {
      throw new Error(`Storage.relocate: expected a ${data.constructor.name} of length ${data.length}, got a ${next.constructor.name} of length ${next.length}`);
    }
    (next as Float32Array).set(data as Float32Array);
    this.#data = next;
  }
}
