import type { Calendar, RandomStreams } from '../engine/index.js';
import { InvariantError } from '../engine/index.js';
import { InputError } from '../scenario/problems.js';
import type { ScenarioFile } from '../scenario/schema.js';
import { EventOrder } from '../engine/event-order.js';
import { serviceTime } from '../serving/service-time.js';
import type { Feed, RequestSink } from './feed.js';
import { lengthSampler } from './lengths.js';

type Workload = ScenarioFile['workload'];

/**
 * Sends in a row, at one instant, after which a user is taken to be stuck: its
 * requests end the instant they are sent (rejected at once, e.g. a prompt no instance
 * has KV for) and it thinks for no time, so simulated time would never advance. A
 * request that takes no time at all otherwise needs a service draw of exactly 0
 * (probability about 2⁻³² per draw): a thousand in a row does not happen.
 */
export const MAX_INSTANT_RESENDS = 1000;

interface User {
  readonly index: number;
  /** When its latest request was sent. */
  sent_s: number;
  /** Requests in a row it sent at the instant of the previous one. */
  instantResends: number;
}

/**
 * A closed-loop workload, as LLMPerf and genai-perf run at a fixed concurrency:
 * `users` users each send a request, wait until it completes or is rejected, think for
 * a time drawn from `think_s`, and send the next, until `duration_s` (a send at or
 * after it does not happen; the run then drains as usual). Every user sends its first
 * request at t = 0, all at once as LLMPerf's clients do (**choice**: no staggering;
 * leave the start-up transient to `warmup_s`).
 *
 * Lengths come from `prompt_tokens` / `output_tokens` on the streams an open-loop
 * workload uses (`lengths.prompt`, `lengths.output`), drawn when a request is sent, so
 * the k-th request has the same lengths as the k-th request of an open-loop run of
 * the same seed. Think times come from their own stream, `arrivals.think`, drawn when
 * a request ends. Sends are calendar events even with zero think time: a request's end
 * is heard inside the serving system's own event, which must finish before another
 * request enters.
 *
 * Each user holds at most one request in the system and one pending send, so memory
 * grows with `users`, not with the run's length.
 */
export function closedLoopFeed<R extends object>(
  workload: Workload,
  streams: RandomStreams,
  calendar: Calendar,
  duration_s: number,
  source: string,
  sink: RequestSink<R>,
): Feed<R> {
  const a = workload.arrivals;
  if (a.process !== 'closed') throw new InvariantError(`closedLoopFeed given a ${a.process} workload`);
  // resolve() requires lengths for every synthetic process.
  if (!workload.prompt_tokens || !workload.output_tokens)
    throw new InvariantError('a closed-loop workload without token lengths');
  const prompt = lengthSampler(workload.prompt_tokens, streams.stream('lengths.prompt'), 'prompt');
  const output = lengthSampler(workload.output_tokens, streams.stream('lengths.output'), 'output');
  const think = serviceTime(a.think_s, streams.stream('arrivals.think'));
  const holding = new Map<R, User>();

  const send = (u: User) => {
    const now = calendar.now_s;
    const arrival = { arrival_s: now, promptTokens: prompt(), outputTokens: output() };
    const r = sink.make(arrival);
    u.sent_s = now;
    holding.set(r, u);
    sink.submit(r, arrival);
  };
  for (let index = 0; index < a.users; index++) {
    calendar.scheduleAt(0, send, { index, sent_s: NaN, instantResends: 0 }, EventOrder.arrival);
  }

  return {
    ended(r) {
      const u = holding.get(r);
      if (!u) throw new InvariantError('a request ended that no closed-loop user sent, or ended twice');
      holding.delete(r);
      const next_s = calendar.now_s + think();
      if (next_s === u.sent_s) {
        if (++u.instantResends >= MAX_INSTANT_RESENDS) {
          throw new InputError(source, [
            {
              path: 'workload.arrivals.think_s',
              message: `user ${u.index}'s last ${MAX_INSTANT_RESENDS} requests all ended at the instant they were sent (t = ${u.sent_s} s), rejected at once, and it thinks for no time, so simulated time cannot advance; give think_s a positive time, or fix what rejects them (a prompt longer than any instance's KV capacity is rejected at once)`,
            },
          ]);
        }
      } else {
        u.instantResends = 0;
      }
      if (next_s < duration_s) calendar.scheduleAt(next_s, send, u, EventOrder.arrival);
    },
  };
}
