// The FIFO under every request's queues: order, wrap-around, growth and removal,
// checked against a plain array used as a queue.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Fifo } from '../../sim/engine/fifo.js';

describe('Fifo', () => {
  it('keeps first-in first-out order across wrap-around and growth', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    // Interleave so the head wraps the ring several times before it grows.
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 3 !== 2) out.push(q.shift() as number);
    }
    while (q.length > 0) out.push(q.shift() as number);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('behaves like an array queue under any sequence of push, shift and remove', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('push', 'shift', 'remove'), fc.nat(40)), { maxLength: 300 }),
        (ops) => {
          const q = new Fifo<number>();
          const model: number[] = [];
          let next = 0;
          for (const [op, k] of ops) {
            if (op === 'push') {
              q.push(next);
              model.push(next++);
            } else if (op === 'shift') {
              expect(q.shift()).toBe(model.shift());
            } else {
              const target = k % (next + 1);
              const i = model.indexOf(target);
              expect(q.remove(target)).toBe(i >= 0);
              if (i >= 0) model.splice(i, 1);
            }
            expect(q.length).toBe(model.length);
            expect(q.peek()).toBe(model[0]);
            expect([...q]).toEqual(model);
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
