import { Instance, type Windows } from '../datacenter/index.js';
import type { Calendar, RandomStreams } from '../engine/index.js';
import type { ResolvedScenario } from '../scenario/resolved.js';
import type { RouterName, ServiceDistribution } from '../scenario/schema.js';
import { type Phase, QueueingServer } from './phase-server.js';
import { Pool } from './pool.js';
import type { Request } from './request.js';
import { makeRouter, type Router } from './routers.js';
import { serviceTime } from './service-time.js';

/**
 * A request's life through the datacenter: arrival → prefill pool → hand-off → decode
 * pool → done. A mixed instance keeps its request for decode (no hand-off). The
 * hand-off is instantaneous here (`kv_transfer: "off"`).
 */
export class ServingSystem {
  readonly instances: Instance[];
  readonly prefill: Pool;
  readonly decode: Pool;
  private readonly mixedDecode = new Map<Instance, QueueingServer>();

  constructor(
    private readonly calendar: Calendar,
    streams: RandomStreams,
    scenario: ResolvedScenario,
    windows: Windows,
    private readonly onEnded: (request: Request) => void,
  ) {
    this.instances = scenario.instances.map((spec) => new Instance(spec, windows));
    const servers = { prefill: [] as QueueingServer[], decode: [] as QueueingServer[] };
    const routable = { prefill: [] as QueueingServer[], decode: [] as QueueingServer[] };
    // One stream per phase, shared by its servers in the order services start.
    const draw = (phase: Phase, spec: ServiceDistribution) => serviceTime(spec, streams.stream(`service.${phase}`));
    for (const inst of this.instances) {
      const { role, service } = inst.spec;
      if (role === 'prefill' || role === 'mixed') {
        const s = new QueueingServer(calendar, inst, 'prefill', draw('prefill', need(service.prefill, inst)), (r, srv) => this.prefilled(r, srv), windows);
        servers.prefill.push(s);
        routable.prefill.push(s);
      }
      if (role === 'decode' || role === 'mixed') {
        const s = new QueueingServer(calendar, inst, 'decode', draw('decode', need(service.decode, inst)), (r) => this.decoded(r), windows);
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

  arrive(request: Request): void {
    request.prefillEnqueue_s = this.calendar.now_s;
    request.stage = 'prefill-queue';
    this.prefill.submit(request);
  }

  /** End of prefill: the first token is out; hand the request to its decoder. */
  private prefilled(request: Request, server: QueueingServer): void {
    const now = this.calendar.now_s;
    request.firstToken_s = now;
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
      for (const s of pool.servers) {
        if (s.current) yield s.current;
        yield* s.local;
      }
    }
  }

  close(t_s: number): void {
    for (const inst of this.instances) inst.close(t_s);
    this.prefill.close(t_s);
    this.decode.close(t_s);
  }
}

function need(spec: ServiceDistribution | undefined, inst: Instance): ServiceDistribution {
  // resolve() guarantees this; a miss here is a bug, not bad input.
  if (!spec) throw new Error(`instance ${inst.name} has no service time for its phase`);
  return spec;
}
