import { describe, expect, it } from 'vitest';
import { Calendar, InvariantError } from '../../sim/engine/index.js';

describe('Calendar', () => {
  it('fires events in time order, and simultaneous events of one priority in the order they were scheduled', () => {
    const cal = new Calendar();
    const seen: string[] = [];
    const log = (e: { tag: string }) => seen.push(`${e.tag}@${cal.now_s}`);
    cal.schedule(2, log, { tag: 'c' }, 0);
    cal.schedule(1, log, { tag: 'a' }, 0);
    cal.schedule(1, log, { tag: 'b' }, 0);
    cal.schedule(0, log, { tag: 'z' }, 0);
    cal.run(Infinity);
    expect(seen).toEqual(['z@0', 'a@1', 'b@1', 'c@2']);
    expect(cal.eventsFired).toBe(4);
  });

  it('keeps the first event past the horizon (simjs simulate() would drop it)', () => {
    const cal = new Calendar();
    const seen: number[] = [];
    const log = (e: { t: number }) => seen.push(e.t);
    for (const t of [1, 2, 3]) cal.schedule(t, log, { t }, 0);
    expect(cal.run(2.5)).toBe(true);
    expect(seen).toEqual([1, 2]);
    expect(cal.now_s).toBe(2);
    expect(cal.nextTime()).toBe(3);
    cal.run(10);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('skips cancelled events, including one at the head of the calendar', () => {
    const cal = new Calendar();
    const seen: number[] = [];
    const log = (e: { t: number }) => seen.push(e.t);
    const first = cal.schedule(1, log, { t: 1 }, 0);
    cal.schedule(5, log, { t: 5 }, 0);
    first.cancel();
    expect(cal.nextTime()).toBe(5);
    cal.run(4);
    expect(seen).toEqual([]);
    cal.run(6);
    expect(seen).toEqual([5]);
  });

  it('stops after maxEvents and reports it was not drained', () => {
    const cal = new Calendar();
    const tick = (s: { n: number }) => {
      s.n++;
      cal.schedule(1, tick, s, 0);
    };
    const state = { n: 0 };
    cal.schedule(0, tick, state, 0);
    expect(cal.run(Infinity, 10)).toBe(false);
    expect(state.n).toBe(10);
  });

  it('I10 simultaneous events: fired by priority (lower first), then in the order they were scheduled', () => {
    const cal = new Calendar();
    const seen: string[] = [];
    const log = (e: { tag: string }) => seen.push(`${e.tag}@${cal.now_s}`);
    cal.schedule(1, log, { tag: 'arrive1' }, 2);
    cal.schedule(1, log, { tag: 'done1' }, 1);
    cal.schedule(0.5, log, { tag: 'early' }, 2);
    cal.schedule(1, log, { tag: 'arrive2' }, 2);
    cal.schedule(1, log, { tag: 'fail' }, 0);
    cal.schedule(1, log, { tag: 'done2' }, 1);
    cal.scheduleAt(1, log, { tag: 'urgent' }, -1);
    cal.run(Infinity);
    expect(seen).toEqual(['early@0.5', 'urgent@1', 'fail@1', 'done1@1', 'done2@1', 'arrive1@1', 'arrive2@1']);
  });

  it('an event scheduled at the current instant with a lower priority overtakes those already waiting', () => {
    const cal = new Calendar();
    const seen: string[] = [];
    const log = (e: { tag: string }) => seen.push(e.tag);
    cal.schedule(
      1,
      (e: { tag: string }) => {
        log(e);
        cal.schedule(0, log, { tag: 'zero-delay completion' }, 1);
        cal.schedule(0, log, { tag: 'zero-delay arrival' }, 2);
      },
      { tag: 'arrival' },
      2,
    );
    cal.schedule(1, log, { tag: 'waiting arrival' }, 2);
    cal.run(Infinity);
    expect(seen).toEqual(['arrival', 'zero-delay completion', 'waiting arrival', 'zero-delay arrival']);
  });

  it('I10 simultaneous events: the heap stays ordered by (time, priority, insertion) over many random events', () => {
    const cal = new Calendar();
    const fired: { t: number; p: number; k: number }[] = [];
    const log = (e: { t: number; p: number; k: number }) => fired.push(e);
    let seed = 12345;
    const u = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 2000; k++) {
      const e = { t: Math.floor(u() * 20), p: Math.floor(u() * 3), k };
      cal.scheduleAt(e.t, log, e, e.p);
    }
    cal.run(Infinity);
    const expected = [...fired].sort((a, b) => a.t - b.t || a.p - b.p || a.k - b.k);
    expect(fired.map((e) => e.k)).toEqual(expected.map((e) => e.k));
  });

  it('refuses a priority that is not a finite number (it would break the heap order)', () => {
    const cal = new Calendar();
    expect(() => cal.schedule(1, () => {}, {}, Number.NaN)).toThrow(InvariantError);
    expect(() => cal.scheduleAt(1, () => {}, {}, Infinity)).toThrow(/priority/);
  });

  it('I10 time moves forward: refuses an event in the past or at a non-finite time, naming the delay', () => {
    const cal = new Calendar();
    expect(() => cal.schedule(-3, () => {}, {}, 0)).toThrow(InvariantError);
    expect(() => cal.schedule(-3, () => {}, {}, 0)).toThrow(/-3/);
    expect(() => cal.schedule(Number.NaN, () => {}, {}, 0)).toThrow(InvariantError);
    expect(() => cal.schedule(Infinity, () => {}, {}, 0)).toThrow(InvariantError);
  });

  it('two calendars in one process are independent', () => {
    const a = new Calendar();
    const b = new Calendar();
    a.schedule(1, () => {}, {}, 0);
    a.run(Infinity);
    expect(a.now_s).toBe(1);
    expect(b.now_s).toBe(0);
  });
});
