/** A fixture number: JSON has no NaN or infinities, so the generators write them as strings. */
export function decodeNumber(v: number | string): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}
