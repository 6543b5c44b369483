import type { RandomStreams } from '../engine/index.js';
import type { ScenarioFile } from '../scenario/schema.js';
import { interArrival } from './arrivals.js';
import { piecewise, sinusoid, thinnedArrivals } from './diurnal.js';
import { lengthSampler } from './lengths.js';
import { traceArrivals } from './trace.js';
import { InvariantError } from '../engine/index.js';

/** One request as the workload produces it. */
export interface Arrival {
  arrival_s: number;
  promptTokens: number;
  outputTokens: number;
  /** Trace replay (Mooncake): ids of the prompt's prefix blocks. */
  prefixBlocks?: number[] | undefined;
  /** Set when the workload itself refuses the request (e.g. over max_prompt_tokens). */
  rejectReason?: string | undefined;
}

/** Arrivals in time order, lazily: at most one is held ahead of the simulation. */
export interface ArrivalStream {
  next(): Arrival | undefined;
}

/**
 * The scenario's arrivals in [0, duration_s). Synthetic processes draw times from the
 * `arrivals` stream (thinning acceptances from `arrivals.thinning`) and lengths from
 * `lengths.prompt` / `lengths.output`; a trace replays its rows.
 */
export function arrivalStream(
  workload: ScenarioFile['workload'],
  streams: RandomStreams,
  duration_s: number,
): ArrivalStream {
  const a = workload.arrivals;
  if (a.process === 'trace') {
    const rows = traceArrivals(a);
    const max = a.max_prompt_tokens;
    return {
      next() {
        const r = rows.next();
        if (r.done || r.value.arrival_s >= duration_s) {
          // Closes the trace file now rather than when the generator is collected.
          rows.return(undefined);
          return undefined;
        }
        const row = r.value;
        return {
          arrival_s: row.arrival_s,
          promptTokens: row.promptTokens,
          outputTokens: row.outputTokens,
          prefixBlocks: row.prefixBlocks,
          rejectReason:
            max !== undefined && row.promptTokens > max
              ? `prompt of ${row.promptTokens} tokens exceeds max_prompt_tokens (${max})`
              : undefined,
        };
      },
    };
  }
  if (a.process === 'closed') {
    // Its send times depend on when requests end: closedLoopFeed (closed-loop.ts) drives it.
    throw new InvariantError('a closed-loop workload has no arrival stream of its own');
  }
  const prompt = lengthSampler(required(workload.prompt_tokens), streams.stream('lengths.prompt'), 'prompt');
  const output = lengthSampler(required(workload.output_tokens), streams.stream('lengths.output'), 'output');
  let nextTime: () => number;
  if (a.process === 'diurnal') {
    const profile = a.sinusoid ? sinusoid(a.sinusoid) : piecewise(a.points ?? [], a.period_s);
    nextTime = thinnedArrivals(profile, streams.stream('arrivals'), streams.stream('arrivals.thinning'), duration_s);
  } else {
    const gap = interArrival(a, streams.stream('arrivals'));
    let t = 0;
    nextTime = () => (t += gap());
  }
  return {
    next() {
      const t = nextTime();
      if (!(t < duration_s)) return undefined;
      return { arrival_s: t, promptTokens: prompt(), outputTokens: output() };
    },
  };
}

function required<T>(d: T | undefined): T {
  // resolve() requires lengths for every synthetic process.
  if (d === undefined) throw new InvariantError('a synthetic workload without token lengths');
  return d;
}
