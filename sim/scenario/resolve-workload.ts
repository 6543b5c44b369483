import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { scanTrace, TraceError, traceLengths } from '../workload/index.js';
import type { ScenarioFile, TokenDistribution } from './schema.js';

type Report = (path: string, message: string) => void;
type Workload = ScenarioFile['workload'];

/**
 * Workload rules a schema cannot say, with trace files read (streaming) once to check
 * every row: paths are made absolute (relative to the scenario file), a trace gives
 * the lengths itself, and a trace run's duration defaults to its last arrival + 1 s.
 */
export function resolveWorkload(
  file: ScenarioFile,
  source: string,
  report: Report,
): { workload: Workload; duration_s: number } {
  const base = source ? dirname(resolvePath(source)) : process.cwd();
  const w: Workload = structuredClone(file.workload);
  const a = w.arrivals;
  let duration_s = file.duration_s;
  // Set while a trace that should give the duration has not: when it cannot be read
  // (or its window is empty) that problem is reported, and "duration_s is required"
  // as well would blame a field the user rightly left out.
  let traceFailed = false;

  if (a.process === 'trace') {
    a.path = resolvePath(base, a.path);
    for (const key of ['prompt_tokens', 'output_tokens'] as const) {
      if (w[key])
        report(
          `workload.${key}`,
          'is not used with trace arrivals: the trace gives each request its lengths; remove it',
        );
    }
    if (w.sessions) report('workload.sessions', SESSIONS_NEED_OPEN_LOOP('trace'));
    traceFailed = true;
    if (readable(a.path, 'workload.arrivals.path', report)) {
      try {
        const scan = scanTrace(a);
        if (scan.rows === 0)
          report('workload.arrivals', `the window [start_s, start_s + duration_s) of ${a.path} holds no rows`);
        else {
          traceFailed = false;
          duration_s ??= scan.lastArrival_s + 1;
        }
      } catch (err) {
        if (!(err instanceof TraceError)) throw err;
        report('workload.arrivals.path', `${a.path}: ${err.message}`);
      }
    }
  } else if (w.sessions) {
    checkSessions(w, base, report);
  } else {
    if (a.process === 'diurnal') checkDiurnal(a, report);
    for (const key of ['prompt_tokens', 'output_tokens'] as const) {
      const d = w[key];
      if (!d) report(`workload.${key}`, 'is required (only trace arrivals carry their own lengths)');
      else checkLengths(d, `workload.${key}`, key === 'prompt_tokens' ? 'prompt' : 'output', base, report);
    }
  }
  if (duration_s === undefined) {
    // A trace leaves it unset only when its own problem was reported: say that alone.
    if (!traceFailed) report('duration_s', 'is required (only a trace replay defaults it, to its last arrival + 1 s)');
    duration_s = NaN;
  }
  return { workload: w, duration_s };
}

const SESSIONS_NEED_OPEN_LOOP = (process: string) =>
  `sessions are started by an open-loop process (poisson, gamma, deterministic or diurnal: ` +
  `sessions per second), not by "${process}" arrivals`;

/**
 * Sessions: started by an open-loop synthetic process (a trace brings its own requests;
 * a closed loop its own users), with every length their own fields give.
 */
function checkSessions(w: Workload, base: string, report: Report): void {
  const a = w.arrivals;
  const s = w.sessions;
  if (!s) return;
  if (a.process === 'trace' || a.process === 'closed') {
    report('workload.sessions', SESSIONS_NEED_OPEN_LOOP(a.process));
    return;
  }
  if (a.process === 'diurnal') checkDiurnal(a, report);
  for (const key of ['prompt_tokens', 'output_tokens'] as const) {
    if (w[key])
      report(
        `workload.${key}`,
        'is not used with sessions: sessions.user_tokens and sessions.output_tokens give each turn its ' +
          'lengths; remove it',
      );
  }
  checkLengths(s.user_tokens, 'workload.sessions.user_tokens', 'prompt', base, report);
  checkLengths(s.output_tokens, 'workload.sessions.output_tokens', 'output', base, report);
  if (s.system_prompt)
    checkLengths(s.system_prompt.tokens, 'workload.sessions.system_prompt.tokens', 'prompt', base, report);
  const t = s.turns;
  if ((t.dist === 'uniform' || t.dist === 'lognormal') && t.min !== undefined && t.max !== undefined && t.min > t.max) {
    report('workload.sessions.turns.max', `must be at least min (${t.min}), got ${t.max}`);
  }
}

function checkDiurnal(a: Extract<Workload['arrivals'], { process: 'diurnal' }>, report: Report): void {
  if ((a.sinusoid === undefined) === (a.points === undefined)) {
    report('workload.arrivals', 'a diurnal process needs exactly one of "sinusoid" or "points"');
  }
  if (a.points) {
    a.points.forEach((p, i) => {
      const prev = a.points?.[i - 1];
      if (prev && p.t_s <= prev.t_s)
        report(
          `workload.arrivals.points[${i}].t_s`,
          `must be greater than the previous point's (${prev.t_s}), got ${p.t_s}`,
        );
    });
    if (a.points.every((p) => p.rate_per_s === 0))
      report('workload.arrivals.points', 'every rate is 0: no request would arrive');
    const last = a.points[a.points.length - 1];
    if (a.period_s !== undefined && last && a.period_s < last.t_s) {
      report('workload.arrivals.period_s', `must cover the points (last at ${last.t_s} s), got ${a.period_s}`);
    }
  } else if (a.period_s !== undefined) {
    report('workload.arrivals.period_s', 'applies to "points" only (a sinusoid has its own period_s)');
  }
}

function checkLengths(
  d: TokenDistribution,
  path: string,
  field: 'prompt' | 'output',
  base: string,
  report: Report,
): void {
  if (d.dist === 'uniform' && d.min > d.max) report(`${path}.max`, `must be at least min (${d.min}), got ${d.max}`);
  if (
    (d.dist === 'lognormal' || d.dist === 'empirical') &&
    d.min !== undefined &&
    d.max !== undefined &&
    d.min > d.max
  ) {
    report(`${path}.max`, `must be at least min (${d.min}), got ${d.max}`);
  }
  if (d.dist === 'empirical') {
    d.path = resolvePath(base, d.path);
    if (!readable(d.path, `${path}.path`, report)) return;
    try {
      if (traceLengths(d.path, d.format, field).length === 0) report(`${path}.path`, `${d.path} has no rows`);
    } catch (err) {
      if (!(err instanceof TraceError)) throw err;
      report(`${path}.path`, `${d.path}: ${err.message}`);
    }
  }
}

function readable(path: string, field: string, report: Report): boolean {
  if (!existsSync(path)) {
    report(field, `no such file: ${path}`);
    return false;
  }
  if (!statSync(path).isFile()) {
    report(field, `not a file: ${path}`);
    return false;
  }
  // Checked here, where the field is known, rather than met as a raw EACCES mid-read.
  try {
    accessSync(path, constants.R_OK);
  } catch {
    report(field, `cannot be read (permission denied): ${path}`);
    return false;
  }
  return true;
}
