// Colours, tick choices and tick labels shared by every chart of a report, so that a
// scenario keeps its colour from chart to chart and a latency reads "850 µs"-free:
// readers of latency expect milliseconds and seconds, not SI prefixes (`500µ`, `10m`).
import { InvariantError } from '../engine/index.js';

/**
 * Tableau 10 (Plot's and Tableau's default categorical scheme): ten colours chosen to
 * stay distinct for colour-blind readers. Past ten series, colours repeat in order.
 */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** One colour per name, in the order given (the summary's order); built once per report. */
export class ColorMap {
  private readonly map = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const n of names) if (!this.map.has(n)) this.map.set(n, PALETTE[this.map.size % PALETTE.length] as string);
  }

  get(name: string): string {
    const c = this.map.get(name);
    if (c === undefined) throw new InvariantError(`no colour for ${name}: the map is built from the report's series`);
    return c;
  }

  /** A Plot colour scale over `names` (those drawn in one chart), each in its own colour. */
  scale(names: Iterable<string>): { domain: string[]; range: string[]; legend: true } {
    const domain = [...new Set(names)];
    return { domain, range: domain.map((n) => this.get(n)), legend: true };
  }
}

/** A number with at most 3 significant digits and no trailing zeros ("0.85", "120", "1.5"). */
function short(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** A duration in seconds as "850 µs"-free text: below 1 s in ms ("0.85 ms", "120 ms"), else in s ("2.5 s"). */
export function seconds(v: number): string {
  if (v === 0) return '0 s';
  return Math.abs(v) < 1 ? `${short(v * 1000)} ms` : `${short(v)} s`;
}

/**
 * Ticks for a log axis over [lo, hi]: 1, 2 and 5 per decade when the domain spans at
 * most two decades, 1 per decade up to 8 decades, every other decade beyond, so that
 * tick labels ("200 ms", "1 s") never run into each other at the chart widths used
 * here (760 px wide, 260–360 px high).
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const decades = Math.max(1, Math.log10(hi / lo));
  const steps = decades <= 2 ? [1, 2, 5] : [1];
  const stride = decades > 8 ? 2 : 1;
  const ticks: number[] = [];
  for (let k = first; k <= last; k += stride) {
    for (const m of steps) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  // A narrow domain inside one decade can hold fewer than two 1-2-5 ticks: none then
  // (timeAxis draws such a domain on a linear scale).
  return ticks.length < 2 ? [] : ticks;
}

/** Plot axis options for a latency axis in seconds: ms/s tick labels, per-decade ticks on a log scale. */
export function timeAxis(values: readonly number[], log: boolean, label: string): Record<string, unknown> {
  const finite = values.filter((v) => Number.isFinite(v));
  const lo = finite.reduce((a, v) => Math.min(a, v), Infinity);
  const hi = finite.reduce((a, v) => Math.max(a, v), -Infinity);
  // A log axis over a narrow range (no two 1-2-5 ticks in it) reads better as linear,
  // and d3's log tick format blanks labels like 9.8 ms that are not 1-2-5 multiples.
  const logged = log ? logTicks(lo, hi) : [];
  if (log && logged.length < 2) log = false;
  const ticks = log ? logged : undefined;
  return {
    type: log ? 'log' : 'linear',
    label,
    grid: true,
    tickFormat: seconds,
    ...(ticks ? { ticks } : { ticks: 6 }),
  };
}

/**
 * Groups of series with identical values (one hides the other when drawn): each group
 * of two or more names, in the order given. Values are compared exactly.
 */
export function coincident(series: ReadonlyArray<{ name: string; values: readonly unknown[] }>): string[][] {
  const groups = new Map<string, string[]>();
  for (const s of series) {
    if (s.values.length === 0) continue;
    const key = JSON.stringify(s.values);
    groups.set(key, [...(groups.get(key) ?? []), s.name]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** "A and B coincide (identical values): one line hides the other." for each group, or ''. */
export function coincideNote(groups: readonly string[][]): string {
  return groups
    .map((g) => {
      const names = g.length === 2 ? `${g[0]} and ${g[1]}` : `${g.slice(0, -1).join(', ')} and ${g.at(-1)}`;
      return `${names} coincide (identical values): ${g.length === 2 ? 'one line hides the other' : 'the lines hide each other'}.`;
    })
    .join(' ');
}
