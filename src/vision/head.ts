/** replaceHead: a new classification layer for transfer learning. */
import { nn, type FloatDType } from '../index.js';
import { GoogLeNet } from './models/googlenet.js';

function checkNumClasses(numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new Error(`replaceHead: numClasses must be a positive integer, got ${String(numClasses)}`);
}

/** Puts `replacement` where `target` sits in `root`: a Sequential slot or a field of its parent. */
function replaceModule(root: nn.Module, target: nn.Module, replacement: nn.Module): void {
  for (const parent of root.modules()) {
    if (parent instanceof nn.Sequential) {
      const index = [...parent].indexOf(target);
      if (index >= 0) {
        parent.set(index, replacement);
        return;
      }
    }
    const fields = parent as unknown as Record<string, unknown>;
    for (const field of Object.keys(parent)) {
      if (fields[field] === target) {
        fields[field] = replacement;
        return;
      }
    }
  }
  throw new Error(`replaceHead: cannot replace the ${target.constructor.name} head: it is not a field of its parent or an item of a Sequential`);
}

function newHead(root: nn.Module, old: nn.Linear, numClasses: number): nn.Linear {
  const head = new nn.Linear(old.inFeatures, numClasses, { bias: old.bias !== null, dtype: old.weight.dtype as FloatDType });
  head.training = old.training;
  replaceModule(root, old, head);
  return head;
}

/**
 * Replaces a classifier's last Linear layer with a new one (PyTorch's default initialization,
 * trainable) that outputs numClasses, in place, the way the transfer-learning recipe does
 * `model.fc = nn.Linear(model.fc.in_features, n)`: ResNet's `fc`, GoogLeNet's `fc` (and its
 * auxiliary heads' `fc2`), `classifier`'s last layer for AlexNet, VGG, the MobileNets and LeNet-5,
 * and the last Linear of any other model. Returns the new head (e.g. for its own optimizer group).
 */
export function replaceHead(model: nn.Module, numClasses: number): nn.Linear {
  if (!(model instanceof nn.Module)) throw new Error(`replaceHead: expected a Module, got ${model === null ? 'null' : typeof model}`);
  checkNumClasses(numClasses);
  if (model instanceof GoogLeNet) {
    for (const aux of [model.aux1, model.aux2]) if (aux !== null) newHead(model, aux.fc2, numClasses);
    return newHead(model, model.fc, numClasses);
  }
  const linears = [...model.modules()].filter((m): m is nn.Linear => m instanceof nn.Linear);
  const last = linears[linears.length - 1];
  if (last === undefined) throw new Error(`replaceHead: ${model.constructor.name} has no Linear layer to replace`);
  return newHead(model, last, numClasses);
}
