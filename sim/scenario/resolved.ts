import type { Deployment, ModelArch } from '../physics/index.js';
import type {
  AutoscalePolicy,
  CacheRouterName,
  Role,
  RouterName,
  ScenarioFile,
  ServiceDistribution,
} from './schema.js';

/** One serving instance, expanded from a rack's node group. */
export interface InstanceSpec {
  /** Position in the datacenter's instance list; also its id in the tables. */
  index: number;
  /** `<rack>-<rack copy>/<role>-<k>`, e.g. `trn-1/prefill-3`. */
  name: string;
  /** `<rack>-<rack copy>`, e.g. `trn-1`. */
  rack: string;
  /** Its rack's uplink (and downlink) bandwidth, Gb/s; undefined = unconstrained. */
  uplink_gbps?: number | undefined;
  role: Role;
  /** Catalog id or inline name; `queueing` when the group has only service times. */
  hardware: string;
  service: { prefill?: ServiceDistribution; decode?: ServiceDistribution };
  /** The model replica, for phases without a service time (physics mode). */
  deployment?: Deployment | undefined;
  /** Hourly price of the instance; NaN for queueing-only instances. */
  price_per_hour_usd: number;
  /** Field path of the node group it came from, for messages. */
  groupPath: string;
  /** Off at the start: an autoscaled group's instances past its `count` (an autoscaler may turn them on). */
  startsOff?: boolean | undefined;
}

/** A node group an autoscaler sizes, over all copies of its rack (sim/autoscale). */
export interface AutoscaleGroup {
  /** Field path of the node group, for messages and tables. */
  path: string;
  role: Role;
  /** Indices of every instance it may turn on, in the datacenter's order. */
  instances: number[];
  /** Instances on at the start (count × rack copies). */
  initial: number;
  /** Bounds over all rack copies (the file's, per copy, × copies). */
  min: number;
  max: number;
  policy: AutoscalePolicy;
  /** utilization: busy fraction; queue: requests per instance; slo: attainment. */
  target: number;
  scale_in_ratio: number;
  window_s: number;
  interval_s: number;
  scale_out_cooldown_s: number;
  scale_in_cooldown_s: number;
  /** Seconds from turning an instance on to its serving. */
  provisioning_s: number;
}

/** Outages and failure processes, with names resolved to instance indices. */
export interface ResolvedFaults {
  maxRetries: number;
  /** Planned instance outages (a rack outage lists all its instances). */
  instanceOutages: Array<{ instances: number[]; at_s: number; repair_s: number; cause: string }>;
  linkOutages: Array<{ link: string; at_s: number; repair_s: number }>;
  /** Exponential up-times (mean mtbf_s) and repairs (mean mttr_s), per instance. */
  random: Array<{ instances: number[]; mtbf_s: number; mttr_s: number }>;
}

/** A scenario after parsing, defaults and cross-field checks: ready to run. */
export interface ResolvedScenario extends Omit<ScenarioFile, 'duration_s' | 'faults'> {
  /** The file it came from ('' when built in code). */
  source: string;
  /** Arrivals are generated in [0, duration_s) (for a trace: by default its last arrival + 1 s). */
  duration_s: number;
  drain_s: number;
  /** Arrivals stop at duration_s; nothing runs past horizon_s = duration_s + drain_s. */
  horizon_s: number;
  /** The model's architecture, when the scenario names one. */
  modelArch: ModelArch | undefined;
  instances: InstanceSpec[];
  /** `prefix-aware` routes prefill only (decode falls back to least-work, resolve-prefix-cache.ts). */
  routers: { prefill: RouterName | CacheRouterName; decode: RouterName };
  faults: ResolvedFaults;
  /** Autoscaled node groups; empty when every group has a fixed size. */
  autoscale: AutoscaleGroup[];
}
