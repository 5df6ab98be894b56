/**
 * The Barnes-Hut half of t-SNE's gradient in 2-D: a quadtree of the embedding with each cell's
 * point count and centre of mass, and the repulsive forces summed over cells that look small from
 * a point (squared width / squared distance < angle^2, scikit-learn's criterion).
 */

/** A quadtree in flat arrays: node k covers a box, holds count and centre of mass, and 4 children (or -1). */
export class QuadTree {
  private count: Float64Array;
  private comX: Float64Array;
  private comY: Float64Array;
  private width2: Float64Array; // squared largest side of the node's box
  private firstChild: Int32Array; // index of the first of 4 children, or -1 for a leaf
  private nodes = 0;

  constructor(private readonly y: Float64Array, n: number) {
    const capacity = 4 * n + 8;
    this.count = new Float64Array(capacity);
    this.comX = new Float64Array(capacity);
    this.comY = new Float64Array(capacity);
    this.width2 = new Float64Array(capacity);
    this.firstChild = new Int32Array(capacity);
    let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = y[2 * i]!; const b = y[2 * i + 1]!;
      if (a < x0) x0 = a; if (a > x1) x1 = a;
      if (b < y0) y0 = b; if (b > y1) y1 = b;
    }
    const pad = 1e-3 * Math.max(x1 - x0, y1 - y0, 1e-12);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    this.nodes = 1;
    this.build(0, order, 0, n, x0 - pad, x1 + pad, y0 - pad, y1 + pad, 0);
  }

  private grow(): void {
    const bigger = <T extends Float64Array | Int32Array>(a: T): T => { const b = new (a.constructor as new (n: number) => T)(a.length * 2); b.set(a); return b; };
    this.count = bigger(this.count); this.comX = bigger(this.comX); this.comY = bigger(this.comY);
    this.width2 = bigger(this.width2); this.firstChild = bigger(this.firstChild);
  }

  /** Fills node `node` with the points order[lo, hi) inside the box, then its children. */
  private build(node: number, order: Int32Array, lo: number, hi: number, x0: number, x1: number, y0: number, y1: number, depth: number): void {
    const y = this.y;
    let sx = 0; let sy = 0;
    for (let k = lo; k < hi; k++) { const i = order[k]!; sx += y[2 * i]!; sy += y[2 * i + 1]!; }
    const m = hi - lo;
    this.count[node] = m;
    this.comX[node] = m > 0 ? sx / m : 0;
    this.comY[node] = m > 0 ? sy / m : 0;
    const w = Math.max(x1 - x0, y1 - y0);
    this.width2[node] = w * w;
    this.firstChild[node] = -1;
    // One point, or coincident points (a box too small to split further), make a leaf.
    if (m <= 1 || depth >= 48) return;
    const cx = (x0 + x1) / 2; const cy = (y0 + y1) / 2;
    // Partition in place: left/right of cx, then each half below/above cy.
    const split = (a: number, b: number, dim: 0 | 1, c: number): number => {
      let i = a; let j = b - 1;
      while (i <= j) {
        if (y[2 * order[i]! + dim]! < c) i++;
        else { const t = order[i]!; order[i] = order[j]!; order[j] = t; j--; }
      }
      return i;
    };
    const mx = split(lo, hi, 0, cx);
    const my0 = split(lo, mx, 1, cy);
    const my1 = split(mx, hi, 1, cy);
    if (this.nodes + 4 > this.count.length) this.grow();
    const first = this.nodes;
    this.nodes += 4;
    this.firstChild[node] = first;
    this.build(first, order, lo, my0, x0, cx, y0, cy, depth + 1);
    this.build(first + 1, order, my0, mx, x0, cx, cy, y1, depth + 1);
    this.build(first + 2, order, mx, my1, cx, x1, y0, cy, depth + 1);
    this.build(first + 3, order, my1, hi, cx, x1, cy, y1, depth + 1);
  }

  /**
   * Point i's unnormalised repulsion sum_j q_ij^2 (y_i - y_j) into force[0..1] and its share of
   * Z = sum_j q_ij as the return value (q = 1 / (1 + d^2)); the point itself (and points at its
   * exact position) are skipped.
   */
  repulsion(i: number, angle2: number, force: Float64Array, stack: Int32Array): number {
    const px = this.y[2 * i]!; const py = this.y[2 * i + 1]!;
    let fx = 0; let fy = 0; let z = 0;
    let top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      const size = this.count[node]!;
      if (size === 0) continue;
      const dx = px - this.comX[node]!; const dy = py - this.comY[node]!;
      const d2 = dx * dx + dy * dy;
      const first = this.firstChild[node]!;
      if (first < 0 || this.width2[node]! < angle2 * d2) {
        if (first < 0 && d2 < 1e-24) continue;
        const q = 1 / (1 + d2);
        z += size * q;
        const mult = size * q * q;
        fx += mult * dx; fy += mult * dy;
      } else {
        stack[top++] = first; stack[top++] = first + 1; stack[top++] = first + 2; stack[top++] = first + 3;
      }
    }
    force[0] = fx; force[1] = fy;
    return z;
  }
}
