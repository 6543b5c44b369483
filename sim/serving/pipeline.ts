import { Instance, type Windows } from '../datacenter/index.js';
import type { Calendar, RandomStreams } from '../engine/index.js';
import { batchTimer, kvCapacityTokens } from '../physics/index.js';
import type { InstanceSpec, ResolvedScenario } from '../scenario/resolved.js';
import type { RouterName } from '../scenario/schema.js';
import { DecodeBatcher } from './decode-batcher.js';
import { type Phase, type PhaseEvents, type PhaseServer, QueueingServer } from './phase-server.js';
import { Pool } from './pool.js';
import { PrefillBatcher } from './prefill-batcher.js';
import type { Request } from './request.js';
import { makeRouter, type Router } from './routers.js';
import { serviceTime } from './service-time.js';

/**
 * A request's life through the datacenter: arrival → prefill pool → hand-off → decode
 * pool → done. A mixed instance keeps its request for decode (no hand-off). The
 * hand-off is instantaneous here (`kv_transfer: "off"`). A request whose output is one
 * token is done at its first token.
 */
export class ServingSystem implements PhaseEvents {
  readonly instances: Instance[];
  readonly prefill: Pool;
  readonly decode: Pool;
  private readonly mixedDecode = new Map<Instance, PhaseServer>();

  constructor(
    private readonly calendar: Calendar,
    streams: RandomStreams,
    scenario: ResolvedScenario,
    windows: Windows,
    private readonly onEnded: (request: Request) => void,
  ) {
    this.instances = scenario.instances.map(
      (spec) => new Instance(spec, windows, spec.deployment ? kvCapacityTokens(spec.deployment) : undefined),
    );
    const servers = { prefill: [] as PhaseServer[], decode: [] as PhaseServer[] };
    const routable = { prefill: [] as PhaseServer[], decode: [] as PhaseServer[] };
    for (const inst of this.instances) {
      const { role } = inst.spec;
      if (role === 'prefill' || role === 'mixed') {
        const s = this.server(inst, 'prefill', scenario, streams, windows);
        servers.prefill.push(s);
        routable.prefill.push(s);
      }
      if (role === 'decode' || role === 'mixed') {
        const s = this.server(inst, 'decode', scenario, streams, windows);
        servers.decode.push(s);
        if (role === 'decode') routable.decode.push(s);
        else this.mixedDecode.set(inst, s);
      }
    }
    const router = (phase: Phase, name: RouterName): Router | null =>
      name === 'pool-fcfs' ? null : makeRouter(name, streams.stream(`routing.${phase}`));
    this.prefill = new Pool('prefill', calendar, servers.prefill, routable.prefill, router('prefill', scenario.routers.prefill), windows);
    this.decode = new Pool('decode', calendar, servers.decode, routable.decode, router('decode', scenario.routers.decode), windows);
  }

  /** A phase server: service times in queueing mode, else the instance's performance model. */
  private server(inst: Instance, phase: Phase, scenario: ResolvedScenario, streams: RandomStreams, windows: Windows): PhaseServer {
    const spec: InstanceSpec = inst.spec;
    const service = spec.service[phase];
    if (service) {
      // One stream per phase, shared by its servers in the order services start.
      return new QueueingServer(this.calendar, inst, phase, this, windows, serviceTime(service, streams.stream(`service.${phase}`)));
    }
    const deployment = spec.deployment;
    // resolve() guarantees a deployment for every phase without a service time.
    if (!deployment) throw new Error(`instance ${spec.name} has neither a service time nor a deployment for ${phase}`);
    const timer = batchTimer(deployment);
    const capacity = kvCapacityTokens(deployment);
    const s = scenario.scheduling;
    return phase === 'prefill'
      ? new PrefillBatcher(this.calendar, inst, this, windows, timer, s.prefill_max_batch_tokens, capacity)
      : new DecodeBatcher(this.calendar, inst, this, windows, timer, s.decode_max_batch, capacity, isFinished);
  }

  arrive(request: Request): void {
    request.prefillEnqueue_s = this.calendar.now_s;
    request.stage = 'prefill-queue';
    this.prefill.submit(request);
  }

  served(request: Request, server: PhaseServer): void {
    if (server.phase === 'prefill') this.prefilled(request, server);
    else this.decoded(request);
  }

  rejected(request: Request, reason: string): void {
    request.status = 'rejected';
    request.reason = reason;
    this.onEnded(request);
  }

  /** End of prefill: the first token is out; hand the request to its decoder. */
  private prefilled(request: Request, server: PhaseServer): void {
    const now = this.calendar.now_s;
    request.firstToken_s = now;
    if (isFinished(request)) {
      this.decoded(request);
      return;
    }
    request.decodeEnqueue_s = now;
    request.stage = 'decode-queue';
    const own = this.mixedDecode.get(server.instance);
    if (own) {
      own.accept(request);
      return;
    }
    // kv_transfer "off": the hand-off takes no time and never queues.
    request.transferEnqueue_s = now;
    request.transferStart_s = now;
    request.transferEnd_s = now;
    this.decode.submit(request);
  }

  private decoded(request: Request): void {
    request.completion_s = this.calendar.now_s;
    request.stage = 'done';
    request.status = 'completed';
    this.onEnded(request);
  }

  /** Every request still inside the system, wherever it waits or runs. */
  *inFlight(): IterableIterator<Request> {
    for (const pool of [this.prefill, this.decode]) {
      yield* pool.shared;
      for (const s of pool.servers) yield* s.inFlight();
    }
  }

  close(t_s: number): void {
    for (const inst of this.instances) inst.close(t_s);
    this.prefill.close(t_s);
    this.decode.close(t_s);
  }
}

/**
 * The simulator's knowledge of when a request ends (its EOS): after its first token
 * plus `decodedTokens` more it has produced all `outputTokens`. Only the request's
 * life calls this; routers, batchers' admission and preemption never do.
 */
function isFinished(r: Request): boolean {
  return 1 + r.decodedTokens >= r.outputTokens;
}
