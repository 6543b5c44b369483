// Nelder–Mead simplex minimiser, written here rather than taken from npm: the fit needs
// a fixed start, a fixed budget of evaluations and nothing random, so that a rerun
// reproduces every digit (no npm package in our lists promises that, and the method is
// forty lines). Standard coefficients (reflection 1, expansion 2, contraction ½,
// shrink ½); ties keep the earlier vertex, so the order of work never depends on
// anything but the function's values.

export interface MinimizeResult {
  x: number[];
  value: number;
  evaluations: number;
}

/** Minimise `f` from `start`, with an initial simplex of `step` along each axis, using at
 * most `maxEvaluations` calls of `f`. */
export function nelderMead(
  f: (x: number[]) => number,
  start: readonly number[],
  step: number,
  maxEvaluations: number,
): MinimizeResult {
  const n = start.length;
  let evaluations = 0;
  const evalAt = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let simplex: { x: number[]; v: number }[] = [{ x: [...start], v: evalAt([...start]) }];
  for (let i = 0; i < n; i++) {
    const x = [...start];
    x[i]! += step;
    simplex.push({ x, v: evalAt(x) });
  }
  const along = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  while (evaluations < maxEvaluations) {
    simplex = simplex
      .map((p, i) => ({ p, i }))
      .sort((a, b) => a.p.v - b.p.v || a.i - b.i)
      .map(({ p }) => p);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const centroid = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) centroid[i]! += simplex[j]!.x[i]! / n;
    const xr = along(centroid, worst.x, -1);
    const vr = evalAt(xr);
    if (vr < best.v) {
      const xe = along(centroid, worst.x, -2);
      const ve = evalAt(xe);
      simplex[n] = ve < vr ? { x: xe, v: ve } : { x: xr, v: vr };
    } else if (vr < simplex[n - 1]!.v) {
      simplex[n] = { x: xr, v: vr };
    } else {
      const outside = vr < worst.v;
      const xc = along(centroid, outside ? xr : worst.x, 0.5);
      const vc = evalAt(xc);
      if (vc < (outside ? vr : worst.v)) simplex[n] = { x: xc, v: vc };
      else {
        for (let j = 1; j <= n; j++) {
          const x = along(best.x, simplex[j]!.x, 0.5);
          simplex[j] = { x, v: evalAt(x) };
        }
      }
    }
  }
  const best = simplex.reduce((b, p) => (p.v < b.v ? p : b));
  return { x: best.x, value: best.v, evaluations };
}
