import type { Calendar, RandomStreams } from '../engine/index.js';
import { InvariantError } from '../engine/index.js';
import { EventOrder } from '../engine/event-order.js';
import type { ScenarioFile, SessionsFile } from '../scenario/schema.js';
import { serviceTime } from '../serving/service-time.js';
import type { Feed, RequestSink } from './feed.js';
import { lengthSampler, type LengthSampler } from './lengths.js';
import { type SyntheticArrivals, syntheticTimes } from './stream.js';

/**
 * Block size of the ids sessions make, tokens: the Mooncake traces' (their `hash_ids`
 * name 512-token blocks; github.com/kvcache-ai/Mooncake, traces' README), so a prefix
 * cache reads both kinds of id at one block size.
 */
export const SESSION_BLOCK_TOKENS = 512;

/** Hands out block ids no other block of the run has. */
export interface BlockIdSource {
  next: number;
}

/** What one turn sends. */
export interface SessionTurn {
  promptTokens: number;
  outputTokens: number;
  /** Ids of the prompt's blocks, ⌈prompt / block⌉ of them (the last may be partial),
   * as Mooncake's `hash_ids` are. */
  prefixBlocks: number[];
  /** Ids of the blocks that lie fully inside prompt + reply and were not full blocks
   * of the prompt: the blocks the output completes, which the next turn starts with. */
  outputBlocks: number[];
}

/**
 * The block ids of one conversation. The history (everything sent and replied so far)
 * keeps the ids of its full blocks; a new turn's prompt is the history plus the new
 * message, so it starts with those ids, and every block from the first one that was
 * not full (partial, or new) gets a fresh id: its tokens differ from any block seen
 * before. A system prompt's full blocks carry its variant's ids, shared by every
 * session of that variant; its partial last block, finished by each session's own
 * first message, is the session's.
 */
export class Conversation {
  private historyTokens: number;
  private fullIds: number[];

  constructor(
    readonly blockTokens: number,
    private readonly ids: BlockIdSource,
    systemTokens = 0,
    systemIds: readonly number[] = [],
  ) {
    if (systemIds.length !== Math.floor(systemTokens / blockTokens)) {
      throw new InvariantError(`a system prompt of ${systemTokens} tokens with ${systemIds.length} full-block ids`);
    }
    this.historyTokens = systemTokens;
    this.fullIds = [...systemIds];
  }

  /** Tokens sent and replied so far (the next prompt starts with all of them). */
  get tokens(): number {
    return this.historyTokens;
  }

  /** The next turn: the history plus `userTokens` new tokens, answered by `replyTokens`. */
  turn(userTokens: number, replyTokens: number): SessionTurn {
    const B = this.blockTokens;
    const promptTokens = this.historyTokens + userTokens;
    const prefixBlocks = this.fullIds.slice();
    const promptBlocks = Math.ceil(promptTokens / B);
    while (prefixBlocks.length < promptBlocks) prefixBlocks.push(this.ids.next++);
    // Blocks full after the reply that were not full in the prompt: the prompt's
    // partial last block changes (new id), and the reply's own full blocks are new.
    const fullInPrompt = Math.floor(promptTokens / B);
    const fullAfter = Math.floor((promptTokens + replyTokens) / B);
    const outputBlocks: number[] = [];
    for (let i = fullInPrompt; i < fullAfter; i++) outputBlocks.push(this.ids.next++);
    this.fullIds = prefixBlocks.slice(0, fullInPrompt).concat(outputBlocks);
    this.historyTokens = promptTokens + replyTokens;
    return { promptTokens, outputTokens: replyTokens, prefixBlocks, outputBlocks };
  }
}

interface Session {
  readonly conversation: Conversation;
  /** Turns still to send after the one in flight. */
  turnsLeft: number;
}

/** The system prompts' variants: each one's length and full-block ids, drawn at start. */
function systemVariants(
  s: SessionsFile,
  streams: RandomStreams,
  ids: BlockIdSource,
  blockTokens: number,
): Array<{ tokens: number; ids: number[] }> {
  if (!s.system_prompt) return [];
  const length = lengthSampler(s.system_prompt.tokens, streams.stream('sessions.system'), 'prompt');
  const out: Array<{ tokens: number; ids: number[] }> = [];
  for (let v = 0; v < s.system_prompt.variants; v++) {
    const tokens = length();
    const full: number[] = [];
    for (let i = 0; i < Math.floor(tokens / blockTokens); i++) full.push(ids.next++);
    out.push({ tokens, ids: full });
  }
  return out;
}

/**
 * Multi-turn sessions (`workload.sessions`). Sessions start at the arrival times of the
 * scenario's open-loop process (sessions per second, from the `arrivals` stream) and
 * send their first turn at once. Each later turn is sent `think_s` after the previous
 * turn's request completes, as a closed-loop user sends (closed-loop.ts): the run
 * wires the serving system's end-of-request callback to `ended`. A session ends after
 * its turns, when a turn is rejected (its user does not retry: **choice**), when a
 * request is still in flight at the horizon, or when its next turn would be sent at or
 * after `duration_s` (as a closed loop stops sending).
 *
 * The reply of a turn is its drawn output length cut to `workload.max_tokens`, as the
 * request itself is; the next prompt carries that reply. Random streams: session
 * starts `arrivals`; `sessions.turns`, `sessions.variant` at a session's start;
 * `sessions.user`, `sessions.output` at each send; `sessions.think` at each end;
 * `sessions.system` once per variant at the start of the run.
 *
 * Memory: the sessions alive (their histories' block ids), not the run's length.
 */
export function sessionsFeed<R extends { readonly status?: string | undefined }>(
  workload: ScenarioFile['workload'],
  streams: RandomStreams,
  calendar: Calendar,
  duration_s: number,
  sink: RequestSink<R>,
  blockTokens: number = SESSION_BLOCK_TOKENS,
): Feed<R> {
  const s = workload.sessions;
  const a = workload.arrivals;
  if (!s) throw new InvariantError('sessionsFeed given a workload without sessions');
  if (a.process === 'trace' || a.process === 'closed')
    throw new InvariantError(`sessions started by a ${a.process} process`);
  const ids: BlockIdSource = { next: 0 };
  const variants = systemVariants(s, streams, ids, blockTokens);
  const pickVariant = streams.stream('sessions.variant');
  const turns: LengthSampler = lengthSampler(s.turns, streams.stream('sessions.turns'), 'prompt');
  const user = lengthSampler(s.user_tokens, streams.stream('sessions.user'), 'prompt');
  const output = lengthSampler(s.output_tokens, streams.stream('sessions.output'), 'output');
  const think = serviceTime(s.think_s, streams.stream('sessions.think'));
  const maxTokens = workload.max_tokens ?? Infinity;
  const nextStart = syntheticTimes(a as SyntheticArrivals, streams, duration_s);
  const holding = new Map<R, Session>();

  const send = (session: Session) => {
    const t = session.conversation.turn(user(), Math.min(output(), maxTokens));
    const arrival = { arrival_s: calendar.now_s, ...t };
    const r = sink.make(arrival);
    // Noted before submit: the request may be rejected, and end, inside it.
    holding.set(r, session);
    sink.submit(r, arrival);
  };
  const start = (state: { at_s: number }) => {
    const variant = variants.length > 0 ? variants[Math.floor(pickVariant() * variants.length)] : undefined;
    const conversation = new Conversation(blockTokens, ids, variant?.tokens ?? 0, variant?.ids ?? []);
    const session: Session = { conversation, turnsLeft: turns() - 1 };
    state.at_s = nextStart();
    if (state.at_s < duration_s) calendar.scheduleAt(state.at_s, start, state, EventOrder.arrival);
    send(session);
  };
  const first = { at_s: nextStart() };
  if (first.at_s < duration_s) calendar.scheduleAt(first.at_s, start, first, EventOrder.arrival);

  return {
    ended(r) {
      const session = holding.get(r);
      if (!session) throw new InvariantError('a request ended that no session sent, or ended twice');
      holding.delete(r);
      if (r.status !== 'completed' || session.turnsLeft <= 0) return;
      const next_s = calendar.now_s + think();
      if (!(next_s < duration_s)) return;
      session.turnsLeft--;
      calendar.scheduleAt(next_s, send, session, EventOrder.arrival);
    },
  };
}
