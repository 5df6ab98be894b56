// The multiply-add every kernel uses: fused (relaxed SIMD, one rounding) where the build enables
// it, separate multiply and add otherwise. The build script compiles both variants.

/** a * b + c, lane-wise on f32x4. */
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
