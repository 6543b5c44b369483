// Multi-turn sessions (`workload.sessions`): each turn's prompt is the previous prompt,
// its reply and the new message; block ids arise from the conversation (full history
// blocks keep their ids, changed or new blocks get fresh ones, system-prompt blocks
// are shared per variant); the next turn is sent think_s after the reply completes; a
// rejected turn ends its session; every request the sessions make is accounted for.
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { Calendar, RandomStreams } from '../../sim/engine/index.js';
import { EventOrder } from '../../sim/engine/event-order.js';
import type { Arrival } from '../../sim/workload/index.js';
import { Conversation, sessionsFeed } from '../../sim/workload/index.js';
import { expectConserved } from '../helpers/conservation.js';
import { column } from '../helpers/queueing.js';

describe("a conversation's block ids", () => {
  it('by hand, 4-token blocks after a 10-token system prompt with ids 0 and 1', () => {
    const ids = { next: 100 };
    const c = new Conversation(4, ids, 10, [0, 1]);
    // Prompt 10 + 5 = 15 tokens: blocks 0, 1 (system), then two fresh ones; the third
    // block mixes system and user tokens, so it is this session's own.
    const t1 = c.turn(5, 7);
    expect(t1).toEqual({ promptTokens: 15, outputTokens: 7, prefixBlocks: [0, 1, 100, 101], outputBlocks: [102, 103] });
    // 15 + 7 = 22 tokens of history, 5 full blocks: 0, 1, 100 (full in the prompt),
    // 102 (block 3, partial in the prompt as 101, now full), 103. Prompt 22 + 2 = 24.
    const t2 = c.turn(2, 1);
    expect(t2).toEqual({
      promptTokens: 24,
      outputTokens: 1,
      prefixBlocks: [0, 1, 100, 102, 103, 104],
      outputBlocks: [],
    });
    // 25 tokens of history: the 6 full blocks kept, the 25th token's block fresh.
    const t3 = c.turn(3, 4);
    expect(t3).toEqual({
      promptTokens: 28,
      outputTokens: 4,
      prefixBlocks: [0, 1, 100, 102, 103, 104, 105],
      outputBlocks: [106],
    });
  });

  it('over random conversations: lengths add up, history blocks keep their ids, every other id is new', () => {
    const u = new RandomStreams(11).stream('test');
    const draw = (lo: number, hi: number) => lo + Math.floor(u() * (hi - lo + 1));
    for (let trial = 0; trial < 50; trial++) {
      const B = draw(1, 64);
      const ids = { next: 0 };
      const systemTokens = draw(0, 300);
      const systemIds = Array.from({ length: Math.floor(systemTokens / B) }, () => ids.next++);
      const seen = new Set(systemIds);
      const c = new Conversation(B, ids, systemTokens, systemIds);
      let historyFull = systemIds;
      let historyTokens = systemTokens;
      let prevPrompt = NaN;
      let prevReply = NaN;
      for (let n = 0; n < 12; n++) {
        const user = draw(1, 200);
        const reply = draw(1, 200);
        const t = c.turn(user, reply);
        if (n > 0) expect(t.promptTokens).toBe(prevPrompt + prevReply + user);
        else expect(t.promptTokens).toBe(systemTokens + user);
        expect(t.prefixBlocks.length).toBe(Math.ceil(t.promptTokens / B));
        expect(t.prefixBlocks.slice(0, historyFull.length)).toEqual(historyFull);
        expect(historyFull.length).toBe(Math.floor(historyTokens / B));
        for (const id of [...t.prefixBlocks.slice(historyFull.length), ...t.outputBlocks]) {
          expect(seen.has(id), `block ${id} is new`).toBe(false);
          seen.add(id);
        }
        expect(t.outputBlocks.length).toBe(Math.floor((t.promptTokens + reply) / B) - Math.floor(t.promptTokens / B));
        historyFull = [...t.prefixBlocks.slice(0, Math.floor(t.promptTokens / B)), ...t.outputBlocks];
        historyTokens = t.promptTokens + reply;
        prevPrompt = t.promptTokens;
        prevReply = reply;
      }
    }
  });
});

/** A workload with sessions, as a scenario file gives it. */
function workload(o: { turns: object; think_s?: object; system?: object; rate?: number; max_tokens?: number }) {
  return {
    arrivals: { process: 'poisson', rate_per_s: o.rate ?? 1 },
    ...(o.max_tokens ? { max_tokens: o.max_tokens } : {}),
    sessions: {
      turns: o.turns,
      think_s: o.think_s ?? { dist: 'constant', value_s: 2 },
      user_tokens: { dist: 'uniform', min: 50, max: 900 },
      output_tokens: { dist: 'uniform', min: 20, max: 600 },
      ...(o.system ? { system_prompt: o.system } : {}),
    },
  } as never;
}

interface Sent {
  request: { status: string | undefined; id: number };
  arrival: Arrival;
  end_s: number;
}

/**
 * Runs the sessions feed alone on a calendar, with a stand-in server: a request takes
 * 0.5 s + 1 ms per prompt token, and a prompt over `rejectAbove` tokens is rejected at
 * once (inside submit, as the serving system does).
 */
function drive(w: never, duration_s: number, rejectAbove = Infinity, blockTokens = 1): Sent[] {
  const calendar = new Calendar();
  const sent: Sent[] = [];
  const feed = sessionsFeed<Sent['request']>(
    w,
    new RandomStreams(4),
    calendar,
    duration_s,
    {
      make: (a) => {
        const request = { status: undefined as string | undefined, id: sent.length };
        sent.push({ request, arrival: a, end_s: NaN });
        return request;
      },
      submit: (r, a) => {
        const row = sent[r.id] as Sent;
        if (a.promptTokens > rejectAbove) {
          r.status = 'rejected';
          row.end_s = calendar.now_s;
          feed.ended(r);
          return;
        }
        calendar.scheduleAt(
          calendar.now_s + 0.5 + 0.001 * a.promptTokens,
          (x: Sent) => {
            x.request.status = 'completed';
            x.end_s = calendar.now_s;
            feed.ended(x.request);
          },
          row,
          EventOrder.completion,
        );
      },
    },
    blockTokens,
  );
  calendar.run(Infinity, Infinity);
  return sent;
}

/**
 * The requests of each session in send order, a session known by its first block
 * (with 1-token blocks the first block is always full, so it keeps its id all along).
 */
function bySession(sent: Sent[]): Sent[][] {
  const groups = new Map<number, Sent[]>();
  for (const s of sent) {
    const key = s.arrival.prefixBlocks?.[0] as number;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()];
}

describe('the sessions feed', () => {
  it('sends each turn think_s after the previous reply completes, with the conversation as its prompt', () => {
    const sent = drive(workload({ turns: { dist: 'constant', value: 4 } }), 100);
    const sessions = bySession(sent);
    expect(sessions.length).toBeGreaterThan(50);
    let followUps = 0;
    for (const turns of sessions) {
      for (let k = 1; k < turns.length; k++) {
        const prev = turns[k - 1] as Sent;
        const t = turns[k] as Sent;
        expect(t.arrival.arrival_s).toBe(prev.end_s + 2);
        expect(t.arrival.promptTokens).toBeGreaterThan(prev.arrival.promptTokens + prev.arrival.outputTokens);
        expect(t.arrival.promptTokens - prev.arrival.promptTokens - prev.arrival.outputTokens).toBeLessThanOrEqual(900);
        // The previous prompt's full blocks and the reply's blocks lead the new prompt.
        const full = prev.arrival.promptTokens;
        const history = [...(prev.arrival.prefixBlocks ?? []).slice(0, full), ...(prev.arrival.outputBlocks ?? [])];
        expect(t.arrival.prefixBlocks?.slice(0, history.length)).toEqual(history);
        followUps++;
      }
      // Four turns unless the next send would fall at or after duration_s (100 s).
      const last = turns[turns.length - 1] as Sent;
      expect(turns.length === 4 || last.end_s + 2 >= 100, `a session of ${turns.length} turns`).toBe(true);
    }
    expect(followUps).toBeGreaterThan(150);
  });

  it('ends a session whose turn is rejected', () => {
    const sent = drive(workload({ turns: { dist: 'constant', value: 8 } }), 100, 2500);
    const rejected = sent.filter((s) => s.request.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(10);
    for (const turns of bySession(sent)) {
      const at = turns.findIndex((s) => s.request.status === 'rejected');
      if (at >= 0) expect(at, 'nothing sent after a rejection').toBe(turns.length - 1);
    }
  });

  it('cuts replies to max_tokens, and the next prompt carries the cut reply', () => {
    const sent = drive(workload({ turns: { dist: 'constant', value: 3 }, max_tokens: 30 }), 50);
    expect(sent.every((s) => s.arrival.outputTokens <= 30)).toBe(true);
    for (const turns of bySession(sent)) {
      for (let k = 1; k < turns.length; k++) {
        const p = (turns[k - 1] as Sent).arrival;
        expect((turns[k] as Sent).arrival.promptTokens - p.promptTokens - p.outputTokens).toBeGreaterThanOrEqual(50);
      }
    }
  });

  it("shares the system prompt's full blocks between sessions of one variant, and nothing else", () => {
    const sent = drive(
      workload({
        turns: { dist: 'uniform', min: 1, max: 3 },
        system: { variants: 3, tokens: { dist: 'uniform', min: 1100, max: 3000 } },
      }),
      60,
      Infinity,
      512,
    );
    // First turns: the requests not sent 2 s after another ended (Poisson session
    // starts meet such an instant with probability 0).
    const followUp = new Set(sent.map((s) => s.end_s + 2));
    const firsts = sent.filter((s) => !followUp.has(s.arrival.arrival_s)).map((s) => s.arrival.prefixBlocks ?? []);
    expect(firsts.length).toBeGreaterThan(40);
    const common = (a: number[], b: number[]) => {
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return i;
    };
    // Group by first block: one group per variant used (each has ≥ 1100 tokens, so ≥ 2 full blocks).
    const groups = new Map<number, number[][]>();
    for (const b of firsts) groups.set(b[0] as number, [...(groups.get(b[0] as number) ?? []), b]);
    expect(groups.size).toBeGreaterThanOrEqual(2);
    expect(groups.size).toBeLessThanOrEqual(3);
    const shared = [...groups.values()].map((g) => {
      // Within a variant every pair shares the same leading run: the variant's full
      // blocks (2 to 5 of 512 tokens), and no more (the next block is the session's).
      const k = common(g[0] as number[], g[1] as number[]);
      expect(k).toBeGreaterThanOrEqual(2);
      expect(k).toBeLessThanOrEqual(5);
      for (let i = 0; i < g.length; i++)
        for (let j = i + 1; j < g.length; j++) expect(common(g[i] as number[], g[j] as number[])).toBe(k);
      return k;
    });
    expect(shared.length).toBe(groups.size);
    // Past the shared run, no id appears in two sessions' first turns.
    const owners = new Map<number, number>();
    firsts.forEach((b, n) => {
      const k = shared[[...groups.keys()].indexOf(b[0] as number)] as number;
      for (const id of b.slice(k)) {
        expect(owners.has(id), `block ${id} in two sessions`).toBe(false);
        owners.set(id, n);
      }
    });
  });
});

describe('sessions in a run', () => {
  /** One split pool of H100s serving Llama 3.1 8B, sessions one at a time or overlapping. */
  function scenario(o: { rate: number; turns: object; duration_s: number; system?: object }) {
    return checkScenario(
      {
        name: 'sessions',
        seed: 2,
        duration_s: o.duration_s,
        drain_s: 300,
        model: 'llama-3.1-8b',
        datacenter: {
          racks: [
            { name: 'p', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'prefill' }] },
            { name: 'd', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'decode' }] },
          ],
          network: { kv_transfer: 'network', spine_gbps: 800 },
        },
        workload: {
          arrivals: { process: 'deterministic', rate_per_s: o.rate },
          sessions: {
            turns: o.turns,
            think_s: { dist: 'constant', value_s: 3 },
            user_tokens: { dist: 'constant', value: 700 },
            output_tokens: { dist: 'uniform', min: 10, max: 300 },
            ...(o.system ? { system_prompt: o.system } : {}),
          },
        },
      },
      'sessions.json',
    );
  }

  it(
    'one session at a time: each request arrives 3 s after the previous ' +
      'completes, prompt = previous + reply + 700',
    () => {
      // A session every 100 s, 5 turns well inside it: requests never overlap.
      const r = runScenario(scenario({ rate: 0.01, turns: { dist: 'constant', value: 5 }, duration_s: 400 }));
      const arrival = column(r.tables.requests, 'arrival_s');
      const completion = column(r.tables.requests, 'completion_s');
      const prompt = column(r.tables.requests, 'prompt_tokens');
      const output = column(r.tables.requests, 'output_tokens');
      const id = column(r.tables.requests, 'request_id');
      const order = id.map((_, i) => i).sort((a, b) => (id[a] as number) - (id[b] as number));
      // Deterministic starts at 100, 200 and 300 s (the next, at 400, is not before duration_s).
      expect(order.length).toBe(15);
      for (let k = 0; k < order.length; k++) {
        const i = order[k] as number;
        if (k % 5 === 0) {
          expect(prompt[i]).toBe(700);
          continue;
        }
        const j = order[k - 1] as number;
        expect(arrival[i]).toBe((completion[j] as number) + 3);
        expect(prompt[i]).toBe((prompt[j] as number) + (output[j] as number) + 700);
      }
      expect(r.summary.completed).toBe(15);
    },
  );

  it('overlapping sessions with a system prompt: every request ends completed, rejected or unfinished', () => {
    const s = scenario({
      rate: 2,
      turns: { dist: 'uniform', min: 1, max: 6 },
      duration_s: 30,
      system: { variants: 4, tokens: { dist: 'constant', value: 2000 } },
    });
    const r = runScenario({ ...s, drain_s: 0.5, horizon_s: 30.5 });
    expectConserved({ requests: r.tables.requests, summary: r.summary }, r.stats.generated);
    expect(r.stats.generated).toBeGreaterThan(60);
    expect(r.summary.unfinished).toBeGreaterThan(0);
  });
});
