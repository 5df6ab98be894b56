/** Embedding lookup: rows of a weight matrix selected by integer indices. */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { tensor as makeTensor } from '../../tensor/creation.js';
import { indexSelect } from '../../ops/indexing.js';
import { where } from '../../ops/elementwise.js';
import { norm } from '../../ops/reduce.js';
import { checkTensor } from '../../ops/util.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { int, nullable, num, parseArgs, type Args } from '../../ops/args.js';

export interface EmbeddingOptions {
  /** This index's row gets no gradient (it stays a fixed "padding" vector). */
  paddingIdx?: number | null;
  /** Rows looked up with a norm above maxNorm are rescaled in place to maxNorm first. */
  maxNorm?: number | null;
  /** The norm degree for maxNorm (default 2). */
  normType?: number;
}

/** Checks the indices against the table size; `where` names the caller in messages. */
export function checkEmbeddingIndices(where: string, input: Tensor, numEmbeddings: number): Int32Array | Float32Array | Float64Array | Uint8Array {
  if (input.dtype !== 'int32') {
    throw new Error(`${where} got input of dtype ${input.dtype} with shape ${shapeStr(input.shape)}: indices must be an int32 tensor (convert with .int())`);
  }
  const values = input.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= numEmbeddings) {
      throw new Error(`${where} got index ${v} at flat position ${i}: indices must be in [0, ${numEmbeddings})`);
    }
  }
  return values;
}

const EMBEDDING_SPEC = { paddingIdx: nullable(int), maxNorm: nullable(num), normType: num };

/**
 * weight[input]: output shape is input's shape + [embeddingDim] (torch.nn.functional.embedding),
 * with torch's optional arguments positionally (paddingIdx, maxNorm, normType) or as options.
 */
export function embedding(
  input: Tensor,
  weight: Tensor,
  ...args: Args<[paddingIdx: number | null, maxNorm: number | null, normType: number], EmbeddingOptions>
): Tensor {
  const options = parseArgs('F.embedding', args, EMBEDDING_SPEC);
  checkTensor('embedding', input);
  checkTensor('embedding', weight, 'weight');
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D [numEmbeddings, embeddingDim], got ${shapeStr(weight.shape)}`);
  const [rows, dim] = [weight.shape[0]!, weight.shape[1]!];
  const indices = checkEmbeddingIndices('embedding', input, rows);
  let paddingIdx = options.paddingIdx ?? null;
  if (paddingIdx !== null) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
      throw new Error(`embedding: paddingIdx must be within [${-rows}, ${rows}), got ${paddingIdx}`);
    }
    if (paddingIdx < 0) paddingIdx += rows;
  }
  if (options.maxNorm !== undefined && options.maxNorm !== null) renormRows(weight, indices, options.maxNorm, options.normType ?? 2);
  const out = indexSelect(weight, 0, input.flatten()).reshape([...input.shape, dim]);
  if (paddingIdx === null) return out;
  // Same values, but the padding row's lookups pass no gradient back to the weight.
  const isPadding = input.eq(paddingIdx).unsqueeze(-1);
  return where(isPadding, out.detach(), out);
}

/** torch.embedding_renorm_: scales each referenced row whose norm exceeds maxNorm down to it. */
function renormRows(weight: Tensor, indices: ArrayLike<number>, maxNorm: number, normType: number): void {
  if (!(maxNorm > 0)) throw new Error(`embedding: maxNorm must be positive, got ${maxNorm}`);
  noGrad(() => {
    const norms = norm(weight, normType, 1).toTypedArray();
    const scale = new Float64Array(weight.shape[0]!).fill(1);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i]!;
      const n = norms[row]!;
      if (n > maxNorm) scale[row] = maxNorm / (n + 1e-7);
    }
    weight.mul_(makeTensor(scale, { dtype: weight.dtype }).unsqueeze(1));
  });
}
