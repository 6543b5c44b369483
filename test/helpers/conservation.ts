// Conservation of requests, checked against the request ids and an arrival list drawn
// apart from the run, not against the tally that defines the summary's counts.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { type Table, tableFromIPC } from 'apache-arrow';
import { expect } from 'vitest';
import { RandomStreams } from '../../sim/engine/index.js';
import type { ResolvedScenario } from '../../sim/index.js';
import { arrivalStream } from '../../sim/workload/index.js';

const STATUSES = ['completed', 'rejected', 'unfinished'] as const;

/**
 * The arrival times the scenario's workload yields in [0, duration_s), found without
 * running it. A trace is read here, with a parser of its own: its rows' offsets from
 * the first row, inside the window [start_s, start_s + duration_s), divided by
 * time_scale. A synthetic process is drawn anew from fresh random streams of the same
 * seed (the arrival and length streams are named, so what the run does with its other
 * streams cannot change them).
 */
export function workloadArrivals(scenario: ResolvedScenario, seed: number = scenario.seed): number[] {
  const a = scenario.workload.arrivals;
  if (a.process === 'closed') throw new Error("a closed loop's arrivals depend on the run: they cannot be drawn apart");
  if (a.process === 'trace') {
    const start = a.start_s;
    const end = a.duration_s === undefined ? Infinity : start + a.duration_s;
    return traceOffsets(a.path, a.format)
      .filter((t) => t >= start && t < end)
      .map((t) => (t - start) / a.time_scale)
      .filter((t) => t < scenario.duration_s);
  }
  const times: number[] = [];
  const stream = arrivalStream(scenario.workload, new RandomStreams(seed), scenario.duration_s);
  for (let x = stream.next(); x; x = stream.next()) times.push(x.arrival_s);
  return times;
}

/** Seconds from a trace's first row to each row, from the raw text (plain or gzip). */
function traceOffsets(path: string, format: string): number[] {
  const bytes = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (format === 'azure-csv') {
    // `2023-11-16 18:17:03.9799600`: whole seconds and 1e-7 s ticks kept apart (exact).
    const stamps = lines.slice(1).map((l) => {
      const [date, time] = (l.split(',')[0] as string).trim().split(/[ T]/) as [string, string];
      const [hms, frac = '0'] = time.split('.') as [string, string?];
      return [Date.parse(`${date}T${hms}Z`) / 1000, Number(frac.padEnd(7, '0'))] as const;
    });
    const [w0, f0] = stamps[0] ?? [0, 0];
    return stamps.map(([w, f]) => w - w0 + (f - f0) / 1e7);
  }
  const ms = lines.map((l) => (JSON.parse(l) as { timestamp: number }).timestamp);
  return ms.map((t) => (t - (ms[0] as number)) / 1000);
}

/** A finished run as the helper needs it: its requests table (or requests.arrow's path) and summary. */
export interface ConservedRun {
  requests: Table | string;
  summary: Record<string, unknown>;
}

/**
 * Every generated request is in requests.arrow exactly once and in exactly one state:
 * - request_id is exactly 0 … n−1, each once;
 * - n is the number of arrivals `expected` (a count, or the arrival times, which then
 *   also match each id's arrival_s: id i is the i-th arrival);
 * - every status is completed, rejected or unfinished, with a reason iff not completed;
 * - the summary's requests / completed / rejected / unfinished are those counts.
 */
export function expectConserved(run: ConservedRun, expected: number | readonly number[]): void {
  const t = typeof run.requests === 'string' ? tableFromIPC(readFileSync(run.requests)) : run.requests;
  const n = typeof expected === 'number' ? expected : expected.length;
  const idCol = t.getChild('request_id');
  const statusCol = t.getChild('status');
  const reasonCol = t.getChild('reason');
  const arrivalCol = t.getChild('arrival_s');
  if (!idCol || !statusCol || !reasonCol || !arrivalCol)
    throw new Error('requests table lacks request_id, status, reason or arrival_s');
  expect(t.numRows, 'rows in requests.arrow = arrivals generated').toBe(n);
  const seen = new Uint8Array(n);
  const counts = { completed: 0, rejected: 0, unfinished: 0 };
  const problems: string[] = [];
  for (let i = 0; i < t.numRows && problems.length < 5; i++) {
    const id = Number(idCol.get(i));
    if (!Number.isInteger(id) || id < 0 || id >= n) problems.push(`row ${i}: request_id ${id} is outside 0…${n - 1}`);
    else if (seen[id]) problems.push(`row ${i}: request_id ${id} appears twice`);
    else seen[id] = 1;
    const status = statusCol.get(i) as string;
    const reason = reasonCol.get(i) as string | null;
    if (!(STATUSES as readonly string[]).includes(status)) problems.push(`row ${i}: status ${JSON.stringify(status)}`);
    else counts[status as keyof typeof counts]++;
    if ((status === 'completed') !== (reason === null))
      problems.push(`row ${i} (${status}): reason ${JSON.stringify(reason)}`);
    if (typeof expected !== 'number' && id >= 0 && id < n) {
      const want = expected[id] as number;
      const got = Number(arrivalCol.get(i));
      if (!(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want))))
        problems.push(`request ${id}: arrival_s ${got}, the workload's arrival ${id} is at ${want}`);
    }
  }
  expect(problems).toEqual([]);
  expect(
    seen.every((s) => s === 1),
    'every id 0…n−1 present',
  ).toBe(true);
  const s = run.summary;
  expect({ requests: s.requests, completed: s.completed, rejected: s.rejected, unfinished: s.unfinished }).toEqual({
    requests: n,
    ...counts,
  });
}

/**
 * `expectConserved` for a run in memory, against its workload's arrivals drawn apart.
 * A closed loop's arrivals depend on when requests end, so they cannot be drawn apart:
 * it is checked against the number of requests the run made (its own counter, not the
 * log's).
 */
export function expectRunConserved(r: {
  scenario: ResolvedScenario;
  seed: number;
  tables: { requests: Table };
  summary: Record<string, unknown>;
  stats?: { generated: number };
}): void {
  const closed = r.scenario.workload.arrivals.process === 'closed';
  if (closed && !r.stats) throw new Error('a closed-loop run is checked against its stats.generated');
  expectConserved(
    { requests: r.tables.requests, summary: r.summary },
    closed ? (r.stats as { generated: number }).generated : workloadArrivals(r.scenario, r.seed),
  );
}
