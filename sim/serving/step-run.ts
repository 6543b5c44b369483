import type { Calendar, Timer } from '../engine/index.js';
import { type StepLine, stepsSeconds, stepsWithin } from '../physics/index.js';
import type { Work } from '../physics/work.js';
import { EventOrder } from '../engine/event-order.js';
import type { Charging } from './work-charge.js';

/**
 * A run of decode steps with a fixed batch, as one event (fast-forward). The owner
 * decides how many steps; the run knows when each ends (closed form), can be cut at
 * the next boundary when something arrives that exact stepping would act on, and says
 * how many steps are done by a given time.
 */
export class StepRun<T extends object> {
  private start_s = 0;
  private recompute_s = 0;
  private line: StepLine = { a1: 0, b1: 0, a2: 0, b2: 0, extra: 0 };
  private context0 = 0;
  batch = 0;
  steps = 0;
  private timer: Timer | null = null;
  /** Where the run's FLOPs and bytes are charged (null: not metered, queueing tests). */
  charging: Charging | null = null;
  private recomputeWork: Work = { flops: 0, bytes: 0 };

  constructor(
    private readonly calendar: Calendar,
    private readonly onEnd: (owner: T) => void,
    private readonly owner: T,
  ) {}

  get active(): boolean {
    return this.timer !== null;
  }

  /** Start `steps` steps now; `oneStep_s` is the exact time of a one-step run. */
  start(
    now: number,
    line: StepLine,
    batch: number,
    context0: number,
    recompute_s: number,
    steps: number,
    oneStep_s: number,
    recomputeWork?: Work,
  ): void {
    this.start_s = now;
    this.line = line;
    this.batch = batch;
    this.context0 = context0;
    this.recompute_s = recompute_s;
    this.steps = steps;
    // A one-step run keeps the step-time function's own rounding (exact stepping).
    const dt = steps === 1 ? oneStep_s : recompute_s + stepsSeconds(line, batch, context0, steps);
    this.timer = this.calendar.schedule(dt, this.onEnd, this.owner, EventOrder.completion);
    this.recomputeWork = recomputeWork ?? { flops: 0, bytes: 0 };
    this.charging?.pass.begin(now, now + dt, this.work(steps));
  }

  /** FLOPs and bytes of the run's first `steps` steps, recomputation included (closed form). */
  private work(steps: number): Work {
    const w = (this.charging as Charging).model.decodeSteps(this.batch, this.context0, steps);
    return { flops: w.flops + this.recomputeWork.flops, bytes: w.bytes + this.recomputeWork.bytes };
  }

  /** The run ended: how many steps it took. */
  finish(): number {
    this.timer = null;
    this.charging?.pass.end();
    return this.steps;
  }

  /** Drop the run without ending it (its instance failed). */
  cancel(): void {
    this.timer?.cancel();
    this.timer = null;
    this.charging?.pass.stop(this.calendar.now_s);
  }

  /** End of step `j` (1-based). */
  boundary(j: number): number {
    return this.start_s + this.recompute_s + stepsSeconds(this.line, this.batch, this.context0, j);
  }

  /** Steps whose end is at or before `t`. */
  doneBy(t: number): number {
    if (!this.active || this.steps <= 1) return 0;
    let done = stepsWithin(this.line, this.batch, this.context0, t - this.start_s - this.recompute_s, this.steps);
    // Settle against boundary(), which adds the same terms in its own order.
    while (done > 0 && this.boundary(done) > t) done--;
    while (done < this.steps && this.boundary(done + 1) <= t) done++;
    return done;
  }

  /** End the run at the first boundary at or after `now` (runs of one step need no cut). */
  cut(now: number): void {
    if (!this.timer || this.steps <= 1) return;
    let lo = 1;
    let hi = this.steps;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.boundary(mid) >= now) hi = mid;
      else lo = mid + 1;
    }
    if (lo >= this.steps) return;
    this.timer.cancel();
    this.steps = lo;
    this.timer = this.calendar.schedule(
      Math.max(0, this.boundary(lo) - now),
      this.onEnd,
      this.owner,
      EventOrder.completion,
    );
    this.charging?.pass.revise(now, Math.max(now, this.boundary(lo)), this.work(lo));
  }
}
