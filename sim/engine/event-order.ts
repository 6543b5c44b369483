/**
 * The rule for events at the same instant. Generic discrete-event classes (as SimPy's
 * URGENT and NORMAL), not LLM ones, so the workload, datacenter and serving layers all
 * name their events from here (the calendar fires lower numbers first,
 * then in scheduling order). Reasons, and the sources (SimPy, BLIS), in docs/model.md
 * "Simultaneous events".
 *
 * 1. `fault`: failures, repairs, links down and up. The state of the hardware is
 *    settled before anything acts on it at that instant: work that would end at the
 *    instant its instance fails is displaced (the pessimistic reading a capacity
 *    planner wants), and an arrival at the instant of a repair may use the repaired
 *    instance.
 * 2. `completion`: the end of work already under way (a service or prefill ending, a
 *    decode step run or colocated iteration ending, a network transfer's latency or
 *    bytes done). Capacity freed at an instant is free for what arrives at it.
 * 3. `arrival`: a new request entering the system (open-loop arrivals, closed-loop
 *    sends), after the instant's completions, as in the usual queueing convention
 *    (departures before arrivals at a tie).
 */
export const EventOrder = {
  fault: 0,
  completion: 1,
  arrival: 2,
} as const;
