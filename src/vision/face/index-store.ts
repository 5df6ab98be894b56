/**
 * One-shot recognition: a database of reference embeddings per identity. verify() compares an
 * input with one identity (1:1) against a distance threshold tau, identify() finds the nearest
 * identity (1:K) or answers null ("unknown") when even the nearest is farther than tau. Saved as
 * safetensors (the embeddings) plus JSON (identities, tau).
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { serializeSafetensors, deserializeSafetensors } from '../../io/safetensors.js';

export type EmbedFn = (inputs: Tensor) => Tensor;

export interface EmbeddingIndexOptions {
  /** Maps a batch of inputs to [N, D] embeddings (e.g. an EmbeddingNet in eval mode); needed to pass images. */
  embed?: EmbedFn;
  /** Distance threshold tau: same identity when distance <= tau (default 1). */
  threshold?: number;
}

export interface Verification {
  match: boolean;
  /** Distance to the identity's nearest reference. */
  distance: number;
}

export interface Identification {
  /** The nearest identity, or null (unknown) when its distance exceeds tau. */
  identity: string | null;
  /** The nearest identity regardless of tau, and its distance. */
  nearest: string | null;
  distance: number;
}

export class EmbeddingIndex {
  threshold: number;
  readonly #embed: EmbedFn | undefined;
  readonly #identities: string[] = [];
  readonly #vectors: Float64Array[] = [];
  #dim = -1;

  constructor(options: EmbeddingIndexOptions = {}) {
    this.#embed = options.embed;
    this.threshold = options.threshold ?? 1;
    if (typeof this.threshold !== 'number' || !(this.threshold >= 0)) throw new Error(`EmbeddingIndex: threshold must be a non-negative number, got ${String(options.threshold)}`);
  }

  get size(): number {
    return this.#identities.length;
  }

  /** The identities held (each once, in order of first addition). */
  identities(): string[] {
    return [...new Set(this.#identities)];
  }

  /** Embeddings [N, D] of `input`: already embeddings ([D] or [N, D] with D matching), or inputs for `embed`. */
  #embeddings(op: string, input: Tensor): Float64Array[] {
    if (!(input instanceof Tensor) || input.dtype === 'bool') throw new Error(`EmbeddingIndex.${op}: expected a numeric Tensor (an image batch or embeddings), got ${input instanceof Tensor ? input.dtype : typeof input}`);
    if (!isFloat(input.dtype)) input = input.float();
    let e: Tensor;
    // [D] is always an embedding; [N, D] is one when there is no embed function or D is the index's size.
    if (input.ndim === 1 || (input.ndim === 2 && (this.#embed === undefined || input.shape[1] === this.#dim))) {
      e = input.ndim === 1 ? input.unsqueeze(0) : input;
    } else {
      if (this.#embed === undefined) throw new Error(`EmbeddingIndex.${op}: got ${shapeStr(input.shape)}, which is not [D] or [N, D] embeddings, and no embed function was given`);
      e = noGrad(() => this.#embed!(input));
    }
    if (e.ndim !== 2) throw new Error(`EmbeddingIndex.${op}: embeddings must be [N, D], got ${shapeStr(e.shape)}`);
    const d = e.shape[1]!;
    if (this.#dim > 0 && d !== this.#dim) throw new Error(`EmbeddingIndex.${op}: embeddings have ${d} dimensions but the index holds ${this.#dim}`);
    const v = Float64Array.from(e.toTypedArray());
    return Array.from({ length: e.shape[0]! }, (_, i) => v.slice(i * d, (i + 1) * d));
  }

  /** Adds reference(s) for an identity: an image batch (through `embed`) or embeddings [D] / [N, D]. */
  add(identity: string, input: Tensor): this {
    if (typeof identity !== 'string' || identity === '') throw new Error('EmbeddingIndex.add: identity must be a non-empty string');
    for (const v of this.#embeddings('add', input)) {
      if (this.#dim < 0) this.#dim = v.length;
      this.#identities.push(identity);
      this.#vectors.push(v);
    }
    return this;
  }

  #distances(q: Float64Array): number[] {
    return this.#vectors.map((r) => Math.sqrt(r.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0)));
  }

  /** 1:1 verification of each input (one image or embedding per row) against `identity`. */
  verify(input: Tensor, identity: string): Verification[] {
    if (!this.#identities.includes(identity)) throw new Error(`EmbeddingIndex.verify: unknown identity '${String(identity)}' (known: ${this.identities().join(', ') || 'none'})`);
    return this.#embeddings('verify', input).map((q) => {
      const d = this.#distances(q);
      const distance = Math.min(...d.filter((_, i) => this.#identities[i] === identity));
      return { match: distance <= this.threshold, distance };
    });
  }

  /** 1:K identification of each input: the nearest identity, or null when farther than tau. */
  identify(input: Tensor): Identification[] {
    if (this.size === 0) throw new Error('EmbeddingIndex.identify: the index is empty; add identities first');
    return this.#embeddings('identify', input).map((q) => {
      const d = this.#distances(q);
      let best = 0;
      for (let i = 1; i < d.length; i++) if (d[i]! < d[best]!) best = i;
      const nearest = this.#identities[best]!;
      return { identity: d[best]! <= this.threshold ? nearest : null, nearest, distance: d[best]! };
    });
  }

  /** The references as safetensors bytes ('embeddings' [N, D] float32) and a JSON description (identities, threshold). */
  save(): { safetensors: Uint8Array; json: string } {
    const n = this.size;
    const d = Math.max(this.#dim, 0);
    const flat = new Float32Array(n * d);
    this.#vectors.forEach((v, i) => flat.set(v, i * d));
    return {
      safetensors: serializeSafetensors({ embeddings: Tensor.fromData(flat, [n, d], 'float32') }, { format: 'nabla.EmbeddingIndex' }),
      json: JSON.stringify({ identities: this.#identities, threshold: this.threshold }),
    };
  }

  /** An index from save()'s output; `embed` is needed again to pass images. */
  static load(safetensors: Uint8Array, json: string, options: { embed?: EmbedFn } = {}): EmbeddingIndex {
    let meta: { identities?: unknown; threshold?: unknown };
    try {
      meta = JSON.parse(json) as typeof meta;
    } catch (e) {
      throw new Error(`EmbeddingIndex.load: the JSON is invalid (${(e as Error).message})`);
    }
    const ids = meta.identities;
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string') || typeof meta.threshold !== 'number') {
      throw new Error('EmbeddingIndex.load: the JSON must hold { identities: string[], threshold: number }');
    }
    const e = deserializeSafetensors(safetensors).tensors.embeddings;
    if (e === undefined || e.ndim !== 2 || e.shape[0] !== ids.length) {
      throw new Error(`EmbeddingIndex.load: the safetensors must hold 'embeddings' [${ids.length}, D], got ${e === undefined ? 'none' : shapeStr(e.shape)}`);
    }
    const index = new EmbeddingIndex({ embed: options.embed, threshold: meta.threshold });
    ids.forEach((id, i) => index.add(id as string, e.select(0, i).to('float32')));
    return index;
  }
}
