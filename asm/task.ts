// Task descriptors: i32 words the host writes into wasm memory for a kernel that threads share
// (word 0 is the task kind, see index.ts). Convolution and pooling tasks share the geometry
// words, written by src/backend/wasm/geometry.ts: each a 3-D triple, 1-D and 2-D padded with
// leading unit dims.

/** Word `index` of the task descriptor at `task`. */
@inline export function word(task: usize, index: i32): i32 {
  return load<i32>(task + (<usize>index << 2));
}

export const T_IN = 6; // D, H, W
export const T_KERNEL = 9; // KD, KH, KW
export const T_OUT = 12; // OD, OH, OW
export const T_STRIDE = 15;
export const T_PAD = 18;
export const T_DILATION = 21;
