import type { Calendar } from '../engine/index.js';
import { EventOrder } from '../engine/event-order.js';
import type { Arrival, ArrivalStream } from './stream.js';

/**
 * Where a workload's requests go. `make` turns an arrival into the run's request (and
 * numbers it); `submit` hands it to the serving system, which may end it at once (a
 * rejection). They are two steps so that a closed loop can note whose request it is
 * before the request can end.
 */
export interface RequestSink<R extends object> {
  make(arrival: Arrival): R;
  submit(request: R, arrival: Arrival): void;
}

/**
 * A workload driving a run: it puts its arrivals on the calendar itself and hears,
 * through `ended`, when each of its requests completes or is rejected. The serving
 * system knows nothing of it; the run wires the serving system's end-of-request
 * callback here.
 */
export interface Feed<R extends object> {
  ended(request: R): void;
}

/**
 * An open-loop workload: arrivals at the stream's times whatever the system does. One
 * pending arrival event at a time, so memory does not grow with the run's length (a
 * trace is read as it is replayed).
 */
export function openLoopFeed<R extends object>(
  stream: ArrivalStream,
  calendar: Calendar,
  sink: RequestSink<R>,
): Feed<R> {
  const state = { pending: stream.next() };
  const arrive = (g: typeof state) => {
    const a = g.pending as Arrival;
    sink.submit(sink.make(a), a);
    g.pending = stream.next();
    if (g.pending) calendar.scheduleAt(g.pending.arrival_s, arrive, g, EventOrder.arrival);
  };
  if (state.pending) calendar.scheduleAt(state.pending.arrival_s, arrive, state, EventOrder.arrival);
  return { ended: () => {} };
}
