// How quantities read in the CLI and the report: one formatter per unit.

/** Seconds in the unit that reads best: µs-precision ms below 1 s, s above. */
export const ms = (v: unknown) =>
  typeof v !== 'number' || Number.isNaN(v)
    ? '-'
    : v >= 1
      ? `${v.toFixed(2)} s`
      : `${(v * 1000).toFixed(v < 0.01 ? 2 : 1)} ms`;

/** A fraction as a percentage. */
export const pct = (v: unknown) => (typeof v === 'number' && !Number.isNaN(v) ? `${(v * 100).toFixed(1)}%` : '-');

export const num = (v: unknown, d = 2) => (typeof v === 'number' && !Number.isNaN(v) ? v.toFixed(d) : '-');
