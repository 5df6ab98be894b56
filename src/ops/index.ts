/** The op table: every op's samples and PyTorch expression, for golden tests and gradCheck. */
import type { OpEntry } from './table.js';
import { table as elementwise } from './elementwise.js';
import { table as reduce } from './reduce.js';
import { table as linalg } from './linalg.js';
import { table as movement } from './movement.js';
import { table as indexing } from './indexing.js';
import { table as join } from './join.js';
import { table as nn } from './nn.js';
import { table as loss } from './loss.js';
import { table as conv } from './conv.js';
import { table as pool } from './pool.js';
import { table as recurrent } from './recurrent.js';
import { table as activation } from './activation.js';
import { table as lu } from './lu.js';
import { table as cholesky } from './cholesky.js';
import { table as qr } from './qr.js';
import { table as eigh } from './eigh.js';
import { table as svd } from './svd.js';
import { table as matrixNorm } from './matrix-norm.js';

export const opTable: readonly OpEntry<object>[] = [
  ...elementwise,
  ...reduce,
  ...linalg,
  ...movement,
  ...indexing,
  ...join,
  ...nn,
  ...loss,
  ...conv,
  ...pool,
  ...recurrent,
  ...activation,
  ...lu,
  ...cholesky,
  ...qr,
  ...eigh,
  ...svd,
  ...matrixNorm,
];
