import type { TypedArray } from './dtype.js';

/** The memory behind a tensor and all its views, with the version counter in-place ops bump. */
export class Storage {
  version = 0;
  constructor(readonly data: TypedArray) {}
}
