/**
 * Float32Arrays the autograd engine proved dead (intermediate gradients whose consumers ran),
 * handed back for the backend's next results. A fresh array costs zeroing and first-touch page
 * faults, and every 64 MiB of fresh array buffers triggers a full garbage collection; copying a
 * result into a reused array costs neither. Results are copied in whole (unstage), so a reused
 * array's old values never show.
 */

/** Arrays below this many floats are cheap to allocate: not worth keeping. */
const MIN_FLOATS = 1024;

export class ArrayPool {
  private readonly free = new Map<number, Float32Array[]>();
  /** Arrays in the pool, so that one given twice is not handed out twice. */
  private pooled = new WeakSet<Float32Array>();
  private heldBytes = 0;

  /**
   * `capBytes`: the most the pool holds (arrays beyond it are left to the garbage collector);
   * `memory`: the wasm memory, whose buffer is never kept even where it is a plain ArrayBuffer.
   */
  constructor(private readonly capBytes: number, private readonly memory?: WebAssembly.Memory) {}

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Keeps `array` for reuse. The caller guarantees nothing reads or writes it any more. Only a
   * float32 array owning its whole (non-shared) buffer is kept: never a view into wasm memory
   * (resident arrays) or into a larger buffer.
   */
  give(array: unknown): void {
    if (!(array instanceof Float32Array) || array.length < MIN_FLOATS || this.pooled.has(array)) return;
    const buffer = array.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer === this.memory?.buffer || array.byteOffset !== 0 || buffer.byteLength !== array.byteLength) return;
    if (this.heldBytes + array.byteLength > this.capBytes) return;
    let list = this.free.get(array.length);
    if (list === undefined) {
      list = [];
      this.free.set(array.length, list);
    }
    list.push(array);
    this.pooled.add(array);
    this.heldBytes += array.byteLength;
  }

  /** A kept array of exactly `count` floats (old values: the caller overwrites all), or undefined. */
  take(count: number): Float32Array | undefined {
    if (count < MIN_FLOATS) return undefined;
    const array = this.free.get(count)?.pop();
    if (array === undefined) return undefined;
    this.pooled.delete(array);
    this.heldBytes -= array.byteLength;
    return array;
  }

  /** Drops every kept array. */
  clear(): void {
    this.free.clear();
    this.pooled = new WeakSet();
    this.heldBytes = 0;
  }
}
