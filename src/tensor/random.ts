/**
 * Seeded random numbers: xoshiro128** seeded through splitmix32, using only 32-bit integer
 * math, so a seed gives the same stream on every run, platform and backend.
 */
import type { RandomSource } from '../backend/types.js';

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Generator implements RandomSource {
  private s = new Uint32Array(4);
  private initialSeedValue = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Restarts the stream from a seed (any integer; only the low 53 bits matter). */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
    this.initialSeedValue = seed;
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / 2 ** 32) >>> 0;
    const next = splitmix32(lo ^ Math.imul(hi, 0x9e3779b1));
    for (let i = 0; i < 4; i++) this.s[i] = next();
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    return this;
  }

  initialSeed(): number {
    return this.initialSeedValue;
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Writes out[start..end) with the doubles nextDouble would return one by one (the same stream,
   * advanced as far), in one loop on local state: dropout draws one per element, and the
   * per-call path (typed-array state, two calls per double) was most of its time.
   */
  fillDoubles(out: Float64Array, start = 0, end = out.length): void {
    if (!(out instanceof Float64Array)) throw new TypeError(`Generator.fillDoubles: expected a Float64Array, got ${typeof out}`);
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= out.length)) {
      throw new RangeError(`Generator.fillDoubles: expected integers 0 <= start <= end <= ${out.length}, got start ${start}, end ${end}`);
    }
    const st = this.s;
    let [s0, s1, s2, s3] = [st[0]!, st[1]!, st[2]!, st[3]!];
    for (let i = start; i < end; i++) {
      // Two xoshiro128** steps (nextUint32) in int32 arithmetic, written out: a branch on the step's
      // parity in one loop ran ~25% slower.
      let r = Math.imul(s1, 5);
      const high = Math.imul((r << 7) | (r >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      r = Math.imul(s1, 5);
      const low = Math.imul((r << 7) | (r >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (high * 67108864 + low) / 9007199254740992;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** The generator's state, to save and restore with setState. */
  getState(): Uint32Array {
    return this.s.slice();
  }

  setState(state: Uint32Array): this {
    if (state.length !== 4) throw new Error(`Generator.setState: expected 4 words of state, got ${state.length}`);
    this.s = state.slice();
    return this;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator random functions use unless given one. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
