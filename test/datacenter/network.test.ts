// Max-min fair sharing of links by KV hand-off flows, against hand-computed answers.
import { describe, expect, it } from 'vitest';
import { Link, Network } from '../../sim/datacenter/index.js';
import { Flow, LinkList, maxMinRates } from '../../sim/datacenter/network.js';
import { Calendar } from '../../sim/engine/index.js';
import { EventOrder } from '../../sim/engine/event-order.js';

const W = { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity };
const MB = 1e6;

function setup() {
  const calendar = new Calendar();
  const network = new Network(calendar);
  const done: Record<string, number> = {};
  const send = (name: string, at: number, path: Link[], bytes: number, latency_s = 0) =>
    calendar.schedule(
      at,
      () => network.transfer(path, bytes, latency_s, { delivered: () => (done[name] = calendar.now_s) }),
      {},
      EventOrder.arrival,
    );
  return { calendar, network, done, send };
}

describe('Network (max-min fair flows)', () => {
  it('a lone transfer takes bytes ÷ bottleneck bandwidth + latency', () => {
    const { calendar, done, send } = setup();
    const nic = new Link('nic', 10 * MB, W);
    const uplink = new Link('uplink', 4 * MB, W);
    send('a', 0, [nic, uplink], 8 * MB, 0.001);
    calendar.run(Infinity);
    expect(done.a).toBeCloseTo(8 / 4 + 0.001, 12);
  });

  it('two equal transfers sharing one bottleneck each take twice as long as one alone', () => {
    const { calendar, done, send } = setup();
    const link = new Link('l', 5 * MB, W);
    send('a', 0, [link], 10 * MB);
    send('b', 0, [link], 10 * MB);
    calendar.run(Infinity);
    expect(done.a).toBeCloseTo(4, 12);
    expect(done.b).toBeCloseTo(4, 12);
  });

  it('a flow that shares only a non-bottleneck link is unaffected', () => {
    // a: nicA (2 MB/s) → core (10 MB/s); b: core → nicB (3 MB/s). Each is bottlenecked
    // on its own NIC; the core has room for both.
    const { calendar, done, send } = setup();
    const nicA = new Link('nicA', 2 * MB, W);
    const nicB = new Link('nicB', 3 * MB, W);
    const core = new Link('core', 10 * MB, W);
    send('a', 0, [nicA, core], 4 * MB);
    send('b', 0, [core, nicB], 6 * MB);
    calendar.run(Infinity);
    expect(done.a).toBeCloseTo(2, 12);
    expect(done.b).toBeCloseTo(2, 12);
  });

  it('gives the textbook max-min allocation on a two-link line', () => {
    // Links L1 (1 MB/s) and L2 (2 MB/s). f0 crosses both, f1 only L1, f2 and f3 only L2.
    // Progressive filling: L1 shares 0.5 to f0 and f1; L2 then has 1.5 for f2, f3: 0.75 each.
    const { calendar, done, send } = setup();
    const l1 = new Link('L1', 1 * MB, W);
    const l2 = new Link('L2', 2 * MB, W);
    send('f0', 0, [l1, l2], 0.5 * MB);
    send('f1', 0, [l1], 0.5 * MB);
    send('f2', 0, [l2], 0.75 * MB);
    send('f3', 0, [l2], 0.75 * MB);
    calendar.run(Infinity);
    for (const f of ['f0', 'f1', 'f2', 'f3']) expect(done[f]).toBeCloseTo(1, 12);
  });

  it('reschedules a flow when another starts and ends on its link', () => {
    // a: 10 MB alone at 1 MB/s from t = 0. b: 2 MB from t = 5. Both at 0.5 MB/s until b
    // ends at t = 9 (a has 3 MB left), then a alone again: done at t = 12.
    const { calendar, done, send } = setup();
    const link = new Link('l', 1 * MB, W);
    send('a', 0, [link], 10 * MB);
    send('b', 5, [link], 2 * MB);
    calendar.run(Infinity);
    expect(done.b).toBeCloseTo(9, 12);
    expect(done.a).toBeCloseTo(12, 12);
  });

  it('records the bytes carried and the utilisation per window', () => {
    const { calendar, send } = setup();
    const link = new Link('l', 1 * MB, W);
    send('a', 0, [link], 15 * MB);
    calendar.run(Infinity);
    link.close(20);
    expect(link.rate.windowArea(0)).toBeCloseTo(10 * MB, 3);
    expect(link.rate.windowArea(1)).toBeCloseTo(5 * MB, 3);
    expect(link.flowCount.windowArea(1)).toBeCloseTo(5, 9);
  });

  it('more bandwidth never slows a hand-off (metamorphic)', () => {
    const finish = (capacity: number) => {
      const { calendar, done, send } = setup();
      const link = new Link('l', capacity, W);
      const other = new Link('o', 3 * MB, W);
      send('a', 0, [link, other], 7 * MB);
      send('b', 1, [link], 4 * MB);
      calendar.run(Infinity);
      return done.a as number;
    };
    let last = Infinity;
    for (const c of [1, 2, 4, 8, 16]) {
      const t = finish(c * MB);
      expect(t).toBeLessThanOrEqual(last + 1e-12);
      last = t;
    }
  });
});

describe('shortcuts of the max-min recomputation', () => {
  /**
   * Random transfers over a small two-tier network, with and without the shortcuts
   * (and the recomputation limited to the flows a change can reach), optionally with
   * random link outages (stalls, then resumption on repair).
   */
  function deliveries(shortcuts: boolean, seed: number, outages = false): number[] {
    let state = seed;
    const u = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const calendar = new Calendar();
    const network = new Network(calendar, shortcuts);
    const nics = Array.from({ length: 6 }, (_, i) => new Link(`nic${i}`, (2 + (i % 3)) * MB, W));
    const up = [new Link('up0', 6 * MB, W), new Link('up1', 4 * MB, W)];
    const spine = new Link('spine', 7 * MB, W);
    const done: number[] = [];
    let t = 0;
    for (let k = 0; k < 300; k++) {
      t += -Math.log(1 - u()) * 0.4;
      const a = Math.floor(u() * 6);
      const b = (a + 1 + Math.floor(u() * 5)) % 6;
      const path =
        Math.floor(a / 3) === Math.floor(b / 3)
          ? [nics[a]!, nics[b]!]
          : [nics[a]!, up[Math.floor(a / 3)]!, spine, up[Math.floor(b / 3)]!, nics[b]!];
      const bytes = (0.2 + u() * 3) * MB;
      calendar.schedule(
        t,
        () => network.transfer(path, bytes, 0, { delivered: () => (done[k] = calendar.now_s) }),
        {},
        EventOrder.arrival,
      );
    }
    if (outages) {
      const links = [...nics, ...up, spine];
      for (let k = 0; k < 25; k++) {
        const link = links[Math.floor(u() * links.length)]!;
        const at = u() * t;
        const repair = at + u() * 2;
        calendar.schedule(at, () => network.setDown(link, true), {}, EventOrder.fault);
        calendar.schedule(repair, () => network.setDown(link, false), {}, EventOrder.fault);
      }
    }
    calendar.run(Infinity);
    return done;
  }

  it('deliver every transfer when the full computation would (to 1e-9), under contention', () => {
    for (const seed of [1, 2, 3]) {
      const fast = deliveries(true, seed);
      const full = deliveries(false, seed);
      expect(fast.length).toBe(300);
      for (let k = 0; k < 300; k++)
        expect(Math.abs(fast[k]! - full[k]!), `transfer ${k}, seed ${seed}`).toBeLessThan(1e-9 * full[k]!);
    }
  });

  it('deliver every transfer when the full computation would, through link outages', () => {
    for (const seed of [4, 5, 6]) {
      const fast = deliveries(true, seed, true);
      const full = deliveries(false, seed, true);
      expect(fast.filter((t) => t !== undefined).length).toBe(300);
      for (let k = 0; k < 300; k++)
        expect(Math.abs(fast[k]! - full[k]!), `transfer ${k}, seed ${seed}`).toBeLessThan(1e-9 * full[k]!);
    }
  });
});

describe('maxMinRates', () => {
  /** Textbook progressive filling over every link (no pruning), for comparison. */
  function reference(paths: Link[][]): number[] {
    const rate = paths.map(() => NaN);
    const left = new Map<Link, number>();
    for (const p of paths) for (const l of p) left.set(l, l.available_Bps);
    while (rate.some(Number.isNaN)) {
      let share = Infinity;
      let bottleneck: Link | undefined;
      for (const [l, room] of left) {
        const n = paths.filter((p, i) => Number.isNaN(rate[i]) && p.includes(l)).length;
        if (n > 0 && room / n < share) [share, bottleneck] = [room / n, l];
      }
      paths.forEach((p, i) => {
        if (!Number.isNaN(rate[i]) || !p.includes(bottleneck as Link)) return;
        rate[i] = share;
        for (const l of p) left.set(l, Math.max(0, (left.get(l) as number) - share));
      });
    }
    return rate;
  }

  it('equals textbook progressive filling, with roomy links left out of the search', () => {
    let state = 5;
    const u = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const network = new Network(new Calendar());
    for (let trial = 0; trial < 200; trial++) {
      // NICs of 1–4 MB/s, two uplinks that are sometimes roomy and sometimes exactly the
      // sum of what their flows could ask, and a spine that is sometimes the bottleneck.
      const nics = Array.from({ length: 6 }, (_, i) => new Link(`nic${i}`, (1 + Math.floor(u() * 4)) * MB, W));
      const up = [new Link('up0', (u() < 0.5 ? 100 : 4) * MB, W), new Link('up1', (u() < 0.5 ? 100 : 3) * MB, W)];
      const spine = new Link('spine', (u() < 0.5 ? 1000 : 5) * MB, W);
      const paths: Link[][] = [];
      for (let k = 1 + Math.floor(u() * 8); k > 0; k--) {
        const a = Math.floor(u() * 6);
        const b = (a + 1 + Math.floor(u() * 5)) % 6;
        paths.push(
          Math.floor(a / 3) === Math.floor(b / 3)
            ? [nics[a]!, nics[b]!]
            : [nics[a]!, up[Math.floor(a / 3)]!, spine, up[Math.floor(b / 3)]!, nics[b]!],
        );
      }
      const flows = paths.map((p) => new Flow(p, MB, 0, { delivered() {} }, null, 0, network));
      for (const f of flows) for (const l of f.path) if (!l.flows.includes(f)) l.flows.push(f);
      maxMinRates(flows, trial + 1, new LinkList());
      const expected = reference(paths);
      flows.forEach((f, i) => expect(f.nextRate, `trial ${trial}, flow ${i}`).toBeCloseTo(expected[i]!, 6));
    }
  });
});
