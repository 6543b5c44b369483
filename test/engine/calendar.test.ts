import { describe, expect, it } from 'vitest';
import { Calendar, InvariantError } from '../../sim/engine/index.js';

describe('Calendar', () => {
  it('fires events in time order, and simultaneous events in the order they were scheduled', () => {
    const cal = new Calendar();
    const seen: string[] = [];
    const log = (e: { tag: string }) => seen.push(`${e.tag}@${cal.now_s}`);
    cal.schedule(2, log, { tag: 'c' });
    cal.schedule(1, log, { tag: 'a' });
    cal.schedule(1, log, { tag: 'b' });
    cal.schedule(0, log, { tag: 'z' });
    cal.run(Infinity);
    expect(seen).toEqual(['z@0', 'a@1', 'b@1', 'c@2']);
    expect(cal.eventsFired).toBe(4);
  });

  it('keeps the first event past the horizon (simjs simulate() would drop it)', () => {
    const cal = new Calendar();
    const seen: number[] = [];
    const log = (e: { t: number }) => seen.push(e.t);
    for (const t of [1, 2, 3]) cal.schedule(t, log, { t });
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
    const first = cal.schedule(1, log, { t: 1 });
    cal.schedule(5, log, { t: 5 });
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
      cal.schedule(1, tick, s);
    };
    const state = { n: 0 };
    cal.schedule(0, tick, state);
    expect(cal.run(Infinity, 10)).toBe(false);
    expect(state.n).toBe(10);
  });

  it('refuses an event in the past or at a non-finite time, naming the delay', () => {
    const cal = new Calendar();
    expect(() => cal.schedule(-3, () => {}, {})).toThrow(InvariantError);
    expect(() => cal.schedule(-3, () => {}, {})).toThrow(/-3/);
    expect(() => cal.schedule(Number.NaN, () => {}, {})).toThrow(InvariantError);
    expect(() => cal.schedule(Infinity, () => {}, {})).toThrow(InvariantError);
  });

  it('two calendars in one process are independent', () => {
    const a = new Calendar();
    const b = new Calendar();
    a.schedule(1, () => {}, {});
    a.run(Infinity);
    expect(a.now_s).toBe(1);
    expect(b.now_s).toBe(0);
  });
});
