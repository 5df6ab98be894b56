/** Graph nodes: one per recorded op, plus one gradient accumulator per leaf that requires grad. */
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { shapeStr } from '../tensor/shape.js';

export interface InputMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * Tensors an op keeps for its backward, with the storage version each had when saved.
 * `tensors` throws if one was changed in place since, or if a backward freed them.
 */
export class SavedTensors {
  /** null once a backward without retainGraph freed them. */
  private list: Tensor[] | null = [];
  private versions: number[] = [];

  constructor(private readonly op: string) {}

  /**
   * Drops the saved tensors so their memory can be reclaimed, as PyTorch frees a graph's saved
   * values after a backward without retain_graph. An op that saved nothing stays usable.
   * Returns what was saved.
   */
  release(): Tensor[] {
    const list = this.list;
    if (list === null || list.length === 0) return [];
    this.list = null;
    this.versions = [];
    return list;
  }

  save(tensors: readonly Tensor[]): void {
    const list = this.list;
    if (list === null) throw new Error(`${this.op}: cannot save tensors for the backward after a backward freed them`);
    for (const t of tensors) {
      list.push(t);
      this.versions.push(t.storage.version);
    }
  }

  /** The saved tensors, after checking none was changed in place since it was saved. */
  get tensors(): Tensor[] {
    if (this.list === null) {
      throw new Error(
        `${this.op}Backward: Trying to backward through the graph a second time (or directly access saved tensors after they ` +
          `have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autogradGrad(). ` +
          `Specify retainGraph: true if you need to backward through the graph a second time or if you need to access saved ` +
          `tensors after calling backward.`,
      );
    }
    this.list.forEach((tensor, i) => {
      const version = this.versions[i]!;
      if (tensor.storage.version !== version) {
        throw new Error(
          `backward: a tensor of shape ${shapeStr(tensor.shape)} that '${this.op}' saved for its gradient ` +
            `was modified by an in-place operation (it is at version ${tensor.storage.version}, ` +
            `saved at version ${version}). Use the out-of-place op, or clone() the tensor before changing it.`,
        );
      }
    });
    return this.list;
  }
}

/** One recorded op in the graph (or a leaf's accumulator); subclasses supply backward(). */
export class Node {
  /** Set by retainGrad(): the non-leaf tensor whose .grad receives this node's gradient. */
  retained: Tensor | null = null;
  /**
   * The backward keeps neither its incoming gradient nor the gradients it returns (OpDef's
   * privateGradients): the engine may reuse their arrays once it is done with them.
   */
  privateGradients = false;

  constructor(
    readonly name: string,
    /** The node each input's gradient flows to (null: that input needs no gradient). */
    readonly next: readonly (Node | null)[],
    readonly inputs: readonly InputMeta[],
    /** Where the op was called, recorded in anomaly mode. */
    readonly stack: string | null,
  ) {}

  /** The gradient of each input given the gradient of the output (null or undefined: none). */
  backward(_grad: Tensor): readonly (Tensor | null | undefined)[] {
    return [];
  }

  /**
   * Frees what the backward needed (after a backward without retainGraph); a later backward
   * through this node throws. Returns the saved tensors private to the op (OpDef's
   * privateSaved), which nothing else can reach once freed.
   */
  releaseSaved(): readonly Tensor[] {
    return [];
  }
}

/** The end of the graph for a leaf: adds the incoming gradient into `variable.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', [], [], null);
  }
}
