/** Embedding: a lookup table of trainable vectors indexed by int32 ids. */
import type { Tensor } from '../../tensor/tensor.js';
import { checkSize, shapeStr } from '../../tensor/shape.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { Module, Parameter } from '../module.js';
import { empty } from '../util.js';
import { normal_ } from '../init.js';
import { embedding, checkEmbeddingIndices } from '../functional/embedding.js';
import { floatDtype, int, nullable, num, parseOptions } from '../../ops/args.js';

export interface EmbeddingLayerOptions {
  /** This row starts at zero and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Looked-up rows with a larger norm are rescaled in place to maxNorm. */
  maxNorm?: number | null;
  /** The norm degree for maxNorm (default 2). */
  normType?: number;
  dtype?: FloatDType;
}

export interface FromPretrainedOptions extends Omit<EmbeddingLayerOptions, 'dtype'> {
  /** Keep the vectors fixed (default true, as PyTorch). */
  freeze?: boolean;
}

const EMBEDDING_SPEC = { paddingIdx: nullable(int), maxNorm: nullable(num), normType: num, dtype: floatDtype };

/** torch.nn.Embedding: weight [numEmbeddings, embeddingDim] ~ N(0, 1), the padding row zeroed. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}, ...extra: []) {
    super();
    parseOptions('Embedding', options, EMBEDDING_SPEC, extra);
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = Embedding.resolvePadding(numEmbeddings, options.paddingIdx ?? null);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.weight = new Parameter(empty([numEmbeddings, embeddingDim], options.dtype ?? 'float32'));
    this.resetParameters();
  }

  private static resolvePadding(rows: number, paddingIdx: number | null): number | null {
    if (paddingIdx === null) return null;
    if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
      throw new Error(`Embedding: paddingIdx must be within [${-rows}, ${rows}), got ${paddingIdx}`);
    }
    return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
  }

  /** N(0, 1) weights, with the padding row set to zero. */
  resetParameters(): void {
    normal_(this.weight);
    this.zeroPaddingRow();
  }

  private zeroPaddingRow(): void {
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).zero_());
  }

  /** An Embedding holding the given [numEmbeddings, embeddingDim] vectors (copied), frozen unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: FromPretrainedOptions = {}): Embedding {
    if (embeddings.ndim !== 2) {
      throw new Error(`Embedding.fromPretrained: embeddings must be 2-D [numEmbeddings, embeddingDim], got ${shapeStr(embeddings.shape)}`);
    }
    if (embeddings.dtype !== 'float32' && embeddings.dtype !== 'float64') {
      throw new Error(`Embedding.fromPretrained: embeddings must be floating point, got dtype ${embeddings.dtype}`);
    }
    const layer = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, {
      paddingIdx: options.paddingIdx ?? null, maxNorm: options.maxNorm ?? null, normType: options.normType ?? 2, dtype: embeddings.dtype,
    });
    noGrad(() => layer.weight.copy_(embeddings));
    layer.weight.requiresGrad_(!(options.freeze ?? true));
    return layer;
  }

  forward(input: Tensor): Tensor {
    checkEmbeddingIndices(this.describe(), input, this.numEmbeddings);
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  private describe(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }

  override extraRepr(): string {
    const parts = [`${this.numEmbeddings}`, `${this.embeddingDim}`];
    if (this.paddingIdx !== null) parts.push(`paddingIdx=${this.paddingIdx}`);
    if (this.maxNorm !== null) parts.push(`maxNorm=${this.maxNorm}`);
    return parts.join(', ');
  }
}
