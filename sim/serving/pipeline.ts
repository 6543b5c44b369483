import { Instance, Network, Topology, type Windows } from '../datacenter/index.js';
import { workModel } from '../physics/work.js';
import { chargingFor } from './work-charge.js';
import type { Calendar, RandomStreams } from '../engine/index.js';
import { batchTimer, type Deployment, kvCapacityTokens, kvHandoffBytes } from '../physics/index.js';
import type { InstanceSpec, ResolvedScenario } from '../scenario/resolved.js';
import type { CacheRouterName, Role, RouterName } from '../scenario/schema.js';
import { PrefixCache } from './prefix-cache.js';
import { HostTier } from './host-tier.js';
import { StoreTier } from './store-tier.js';
import { ColocatedEngine } from './colocated.js';
import { Failover, type FailureUnit } from './failover.js';
import { DecodeBatcher, type HandOff } from './decode-batcher.js';
import { contextTokens, type Phase, type PhaseEvents, type PhaseServer, QueueingServer } from './phase-server.js';
import { Pool } from './pool.js';
import { PrefillBatcher } from './prefill-batcher.js';
import type { Request } from './request.js';
import * as life from './request-life.js';
import { poolRouter } from './routers.js';
import { serviceTime } from './service-time.js';
import { InvariantError } from '../engine/index.js';

interface PhaseLists {
  prefill: PhaseServer[];
  decode: PhaseServer[];
}

/**
 * A request's life through the datacenter: arrival → prefill pool → hand-off → decode
 * pool → done. A mixed instance keeps its request for decode (no hand-off). With
 * `kv_transfer: "network"` the prompt's KV crosses the datacenter's links as a flow
 * sharing them max-min fairly; with `"off"` it arrives at once. A request whose output
 * is one token is done at its first token.
 */
export class ServingSystem implements PhaseEvents {
  readonly instances: Instance[];
  readonly prefill: Pool;
  readonly decode: Pool;
  private readonly mixedDecode = new Map<Instance, PhaseServer>();
  /** The links of the hand-off, when it goes over the network. */
  readonly topology: Topology | null;
  private readonly network: Network | null;
  /** The datacenter prefix-cache store, shared by the prefill instances; null without one. */
  private readonly store: StoreTier | null;
  /** Decode runs on the performance model: hand-offs reserve KV on the decode side. */
  private readonly decodeReservesKv: boolean;
  /** What fails with each instance: its phase servers, or its colocated engine. */
  private readonly units = new Map<Instance, FailureUnit[]>();
  /** Instance and link failures, and what becomes of the requests they hit. */
  readonly failover: Failover;

  constructor(
    private readonly calendar: Calendar,
    streams: RandomStreams,
    scenario: ResolvedScenario,
    windows: Windows,
    private readonly onEnded: (request: Request) => void,
  ) {
    // Instances an autoscaler may switch get an on-time tally; a group with min = max has none.
    const switched = new Set(scenario.autoscale.filter((g) => g.min < g.max).flatMap((g) => g.instances));
    this.instances = scenario.instances.map(
      (spec) =>
        new Instance(
          spec,
          windows,
          spec.deployment ? kvCapacityTokens(spec.deployment) : undefined,
          switched.has(spec.index),
        ),
    );
    const net = scenario.datacenter.network;
    const storeGb = scenario.scheduling.prefix_cache?.store_gb ?? 0;
    const withStore = storeGb > 0 ? { ...net, store: { gbps: scenario.scheduling.prefix_cache?.store_gbps } } : net;
    this.topology = net.kv_transfer === 'network' ? new Topology(this.instances, withStore, windows) : null;
    this.network = this.topology ? new Network(calendar) : null;
    this.store = this.storeOf(scenario, storeGb);
    const { servers, routable } = this.buildServers(scenario, streams, windows);
    const cache = scenario.scheduling.prefix_cache;
    const prefix = cache && {
      blockTokens: cache.block_tokens,
      overlapWeight: scenario.scheduling.prefix_aware?.overlap_weight ?? 1,
    };
    const router = (phase: Phase, name: RouterName | CacheRouterName) =>
      poolRouter(phase, name, streams.stream(`routing.${phase}`), this.topology, prefix);
    this.prefill = new Pool(
      'prefill',
      calendar,
      servers.prefill,
      routable.prefill,
      router('prefill', scenario.routers.prefill),
      windows,
    );
    this.decode = new Pool(
      'decode',
      calendar,
      servers.decode,
      routable.decode,
      router('decode', scenario.routers.decode),
      windows,
    );
    this.decodeReservesKv = routable.decode.length > 0 && routable.decode.every((s) => s instanceof DecodeBatcher);
    this.failover = new Failover(calendar, this, this.units, scenario.faults.maxRetries, this.network, this.topology);
  }

  /**
   * Every instance's phase servers, in instance order: all go in their pool; the
   * routable ones take routed work (a mixed instance's decode keeps its own requests).
   * Also fills `mixedDecode` and `units`.
   */
  private buildServers(
    scenario: ResolvedScenario,
    streams: RandomStreams,
    windows: Windows,
  ): { servers: PhaseLists; routable: PhaseLists } {
    const handOff = this.handOffFor(scenario);
    const servers: PhaseLists = { prefill: [], decode: [] };
    const routable: PhaseLists = { prefill: [], decode: [] };
    for (const inst of this.instances) {
      const { role } = inst.spec;
      if (role === 'mixed' && inst.spec.deployment && !inst.spec.service.prefill && !inst.spec.service.decode) {
        // Both phases share one replica: one engine, seen by each pool as a server.
        const engine = this.colocated(inst, inst.spec.deployment, scenario, windows);
        servers.prefill.push(engine.prefill);
        routable.prefill.push(engine.prefill);
        servers.decode.push(engine.decode);
        this.mixedDecode.set(inst, engine.decode);
        this.units.set(inst, [engine]);
        continue;
      }
      if (role === 'prefill' || role === 'mixed') {
        const s = this.server(inst, 'prefill', scenario, streams, windows, handOff);
        servers.prefill.push(s);
        routable.prefill.push(s);
      }
      if (role === 'decode' || role === 'mixed') {
        const s = this.server(inst, 'decode', scenario, streams, windows, handOff);
        servers.decode.push(s);
        if (role === 'decode') routable.decode.push(s);
        else this.mixedDecode.set(inst, s);
      }
      const own = [servers.prefill.at(-1), servers.decode.at(-1)].filter((s) => s?.instance === inst) as PhaseServer[];
      this.units.set(inst, own);
    }
    return { servers, routable };
  }

  /** A mixed instance's engine, both phases on one replica, metered per face. */
  private colocated(inst: Instance, d: Deployment, scenario: ResolvedScenario, windows: Windows): ColocatedEngine {
    const s = scenario.scheduling;
    const engine = new ColocatedEngine(
      this.calendar,
      inst,
      this,
      windows,
      batchTimer(d),
      {
        policy: s.mixed_policy,
        maxPrefillTokens: s.prefill_max_batch_tokens,
        chunkTokens: s.chunk_tokens,
        maxBatch: s.decode_max_batch,
        kvCapacityTokens: kvCapacityTokens(d),
        stepping: s.decode_stepping,
        ...prefixTiers(scenario, d),
        // resolve() requires workload.max_tokens with reserve admission.
        admission:
          s.admission === 'reserve'
            ? { mode: 'reserve', maxTokens: scenario.workload.max_tokens as number }
            : { mode: 'evict' },
      },
      stepsLeft,
    );
    if (s.prefix_cache) inst.trackPrefixCache(windows);
    const work = workModel(d);
    engine.measure(
      chargingFor(engine.prefill, inst, d, work, windows),
      chargingFor(engine.decode, inst, d, work, windows),
    );
    return engine;
  }

  /** How a prompt's KV reaches its decode instance. */
  private handOffFor(scenario: ResolvedScenario): HandOff {
    const { network, topology } = this;
    const model = scenario.modelArch;
    if (!network || !topology || !model) {
      return (r, to) => {
        to.arrived(r);
        return null;
      };
    }
    return (r, to) => {
      const from = r.prefillInstance as Instance;
      const { path, latency_s } = topology.route(from, to.instance);
      // A retried request's context includes the tokens it had generated.
      return network.transfer(path, kvHandoffBytes(model, scenario.precision, contextTokens(r)), latency_s, to, r);
    };
  }

  /** A phase server: service times in queueing mode, else the instance's performance model. */
  private server(
    inst: Instance,
    phase: Phase,
    scenario: ResolvedScenario,
    streams: RandomStreams,
    windows: Windows,
    handOff: HandOff,
  ): PhaseServer {
    const spec: InstanceSpec = inst.spec;
    const service = spec.service[phase];
    if (service) {
      // One stream per phase, shared by its servers in the order services start.
      return new QueueingServer(
        this.calendar,
        inst,
        phase,
        this,
        windows,
        serviceTime(service, streams.stream(`service.${phase}`)),
      );
    }
    const deployment = spec.deployment;
    // resolve() guarantees a deployment for every phase without a service time.
    if (!deployment)
      throw new InvariantError(`instance ${spec.name} has neither a service time nor a deployment for ${phase}`);
    const timer = batchTimer(deployment);
    const capacity = kvCapacityTokens(deployment);
    const s = scenario.scheduling;
    if (phase === 'prefill') return this.prefillBatcher(inst, deployment, scenario, windows);
    const dec = new DecodeBatcher(
      this.calendar,
      inst,
      this,
      windows,
      timer,
      s.decode_max_batch,
      capacity,
      handOff,
      stepsLeft,
      s.decode_stepping,
    );
    dec.measure(chargingFor(dec, inst, deployment, workModel(deployment), windows));
    return dec;
  }

  /** The datacenter store (resolve() gives it the network and a model). */
  private storeOf(scenario: ResolvedScenario, storeGb: number): StoreTier | null {
    const { network, topology } = this;
    const c = scenario.scheduling.prefix_cache;
    if (!c || storeGb <= 0 || !network || !topology || !scenario.modelArch) return null;
    const bytesPerToken = kvHandoffBytes(scenario.modelArch, scenario.precision, 1);
    return new StoreTier(c.block_tokens, storeGb, bytesPerToken, network, topology);
  }

  /** A prefill instance on the performance model, with its prefix cache tiers when the scenario has a cache. */
  private prefillBatcher(inst: Instance, d: Deployment, scenario: ResolvedScenario, windows: Windows): PrefillBatcher {
    const { prefixCache, hostTier } = prefixTiers(scenario, d);
    if (prefixCache) inst.trackPrefixCache(windows);
    const maxTokens = scenario.scheduling.prefill_max_batch_tokens;
    const capacity = kvCapacityTokens(d);
    const args = [maxTokens, capacity, prefixCache, hostTier, this.store] as const;
    const p = new PrefillBatcher(this.calendar, inst, this, windows, batchTimer(d), ...args);
    p.charging = chargingFor(p, inst, d, workModel(d), windows);
    return p;
  }

  arrive(request: Request): void {
    life.arrive(request, this.calendar.now_s);
    this.prefill.submit(request);
  }

  served(request: Request, server: PhaseServer): void {
    if (server.phase === 'prefill') this.prefilled(request, server);
    else this.decoded(request);
  }

  rejected(request: Request, reason: string): void {
    life.reject(request, reason);
    this.onEnded(request);
  }

  /** End of prefill: the first token is out; hand the request to its decoder. */
  private prefilled(request: Request, server: PhaseServer): void {
    const now = this.calendar.now_s;
    life.firstToken(request, now);
    if (isFinished(request)) {
      request.kvHolder?.release(request);
      this.decoded(request);
      return;
    }
    const own = this.mixedDecode.get(server.instance);
    if (own) {
      life.enterDecodeQueue(request, now);
      own.accept(request);
      return;
    }
    life.enterHandoff(request, now);
    if (!this.decodeReservesKv) {
      // Decode on service times holds no KV: the hand-off is instantaneous.
      request.kvHolder?.release(request);
      life.startTransfer(request, now);
      life.land(request, now);
    }
    // Decode batchers reserve KV, start the transfer and stamp its times.
    this.decode.submit(request);
  }

  private decoded(request: Request): void {
    life.complete(request, this.calendar.now_s);
    this.onEnded(request);
  }

  /** Each instance's servers and their pools (built on first use: only autoscaled runs ask). */
  private serversOf: Map<Instance, Array<{ pool: Pool; server: PhaseServer }>> | null = null;

  private own(inst: Instance): Array<{ pool: Pool; server: PhaseServer }> {
    if (!this.serversOf) {
      this.serversOf = new Map(this.instances.map((i) => [i, []]));
      for (const pool of [this.prefill, this.decode]) {
        for (const server of pool.servers) this.serversOf.get(server.instance)?.push({ pool, server });
      }
    }
    return this.serversOf.get(inst) ?? [];
  }

  /** An autoscaler switched instances on (or back from draining): their servers take work. */
  startTaking(insts: readonly Instance[]): void {
    const pools = new Set<Pool>();
    for (const inst of insts) for (const { pool } of this.own(inst)) pools.add(pool);
    // One membership update per pool, however many instances start.
    for (const pool of pools) pool.serverUp();
    for (const inst of insts) for (const { server } of this.own(inst)) if (!server.down) server.kick();
  }

  /**
   * An autoscaler drains instances: their servers take no new work, and the requests
   * routed to them and not started go back to their pool for another instance (moved,
   * not restarted). What they run, and prompts they hold for their hand-off, they
   * finish; a mixed instance's own decode queue stays (those requests' KV is there).
   */
  stopTaking(insts: readonly Instance[]): void {
    const pools = new Set<Pool>();
    for (const inst of insts)
      for (const { pool, server } of this.own(inst)) {
        pools.add(pool);
        pool.unpark(server);
      }
    for (const pool of pools) pool.serversChanged();
    for (const inst of insts) {
      for (const { pool, server } of this.own(inst)) {
        if (server.local.length === 0 || !pool.routable.includes(server)) continue;
        for (const r of [...server.local]) {
          server.withdraw(r);
          pool.submit(r);
        }
      }
    }
  }

  /** Nothing queued at, in service on, held by or in transfer to the instance. */
  holdsNothing(inst: Instance): boolean {
    for (const { server } of this.own(inst)) {
      if (server instanceof PrefillBatcher && server.holding > 0) return false;
      for (const _ of server.inFlight()) return false;
    }
    return true;
  }

  /** Running integral of requests waiting or in service in the pools of `role`, and their instances switched on. */
  poolLoad(role: Role, t_s: number): { area: number; onInstances: number } {
    const pools = role === 'mixed' ? [this.prefill, this.decode] : [role === 'prefill' ? this.prefill : this.decode];
    let area = 0;
    for (const pool of pools) area += pool.waiting.areaUntil(t_s) + pool.inService.areaUntil(t_s);
    // A mixed instance is in both pools: count the instances of one.
    let onInstances = 0;
    for (const s of (pools[0] as Pool).servers) if (!s.instance.on || s.instance.on.current > 0) onInstances++;
    return { area, onInstances };
  }

  /** Every request still inside the system, wherever it waits or runs. */
  *inFlight(): IterableIterator<Request> {
    for (const pool of [this.prefill, this.decode]) {
      yield* pool.shared;
      for (const s of pool.servers) yield* s.inFlight();
    }
  }

  close(t_s: number): void {
    this.topology?.close(t_s);
    for (const inst of this.instances) inst.close(t_s);
    this.prefill.close(t_s);
    this.decode.close(t_s);
  }
}

/**
 * The simulator's knowledge of when a request ends (its EOS): after its first token
 * plus `decodedTokens` more it has produced all `outputTokens`. Only the request's life
 * and the timing of decode runs use it; routers, admission and preemption never do.
 */
function stepsLeft(r: Request): number {
  return r.outputTokens - 1 - r.decodedTokens;
}

function isFinished(r: Request): boolean {
  return stepsLeft(r) <= 0;
}

/**
 * One instance's prefix cache tiers: a device cache in the KV memory its requests leave
 * free, and with `host_gb` a host-memory tier that keeps what the device evicts. None
 * without `scheduling.prefix_cache`.
 */
function prefixTiers(
  scenario: ResolvedScenario,
  d: Deployment,
): { prefixCache: PrefixCache | null; hostTier: HostTier | null } {
  const c = scenario.scheduling.prefix_cache;
  if (!c) return { prefixCache: null, hostTier: null };
  const host = c.host_gb > 0 ? new HostTier(c.block_tokens, c.host_gb, c.host_gbytes_per_s, d) : null;
  return { prefixCache: new PrefixCache(c.block_tokens, Infinity, host?.demote), hostTier: host };
}
