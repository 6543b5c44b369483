// Closed-form queueing results the simulator is validated against (and that studies
// can print beside simulated values). Rates per second, times in seconds.

/** Erlang C: probability an arrival waits in M/M/c with offered load a = λ/μ (a < c). */
export function erlangC(c: number, a: number): number {
  // Erlang B by its stable recursion, then C = B / (1 − ρ(1 − B)).
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

/** Mean wait in queue of M/M/c. */
export function mmcWait(c: number, lambda: number, mu: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda);
}

/** Pollaczek–Khinchine mean wait in queue of M/G/1 with mean service s and service CV cs. */
export function mg1Wait(lambda: number, s: number, cs: number): number {
  const rho = lambda * s;
  return (rho * s * (1 + cs * cs)) / (2 * (1 - rho));
}
