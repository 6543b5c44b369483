import * as z from 'zod';
import { MAX_SPECULATIVE_TOKENS } from '../physics/index.js';
import {
  atLeastOne,
  belowOne,
  fraction,
  identifier,
  intBetween,
  unitInterval,
  integer,
  nonNegative,
  nonNegativeInt,
  oneOf,
  positive,
  positiveInt,
  text,
} from './fields.js';
import { inlineHardware, inlineModel, precision } from './physics-schema.js';

// The scenario file format: one zod schema that gives the parser, the TypeScript
// types and the published JSON Schema (docs/scenario.schema.json). Cross-field rules
// that a schema cannot say (warmup < duration, min ≤ max, a phase with no instances)
// live in resolve.ts.

export const ROLES = ['prefill', 'decode', 'mixed'] as const;
export const TRACE_FORMATS = ['azure-csv', 'mooncake-jsonl'] as const;
export const ADMISSIONS = ['evict', 'reserve'] as const;
export const ROUTERS = [
  'pool-fcfs',
  'round-robin',
  'random',
  'jsq',
  'least-work',
  'power-of-two',
  'rack-aware',
] as const;
/** Routers that read the instances' prefix caches (they need `scheduling.prefix_cache`). */
export const CACHE_ROUTERS = ['prefix-aware'] as const;
const routerField = () => oneOf([...ROUTERS, ...CACHE_ROUTERS]);

/** Whole-number draws (token counts, turns): the shapes token and count distributions share. */
const countShapes = [
  z.strictObject({ dist: z.literal('constant'), value: positiveInt() }),
  z.strictObject({ dist: z.literal('uniform'), min: positiveInt(), max: positiveInt() }),
  z.strictObject({
    dist: z.literal('lognormal'),
    median: positive(),
    sigma: positive(),
    min: positiveInt().optional(),
    max: positiveInt().optional(),
  }),
  z.strictObject({ dist: z.literal('exponential'), mean: positive(), max: positiveInt().optional() }),
] as const;

export const tokenDistribution = z.discriminatedUnion('dist', [
  ...countShapes,
  z.strictObject({
    dist: z.literal('empirical'),
    path: text(),
    format: oneOf(TRACE_FORMATS),
    min: positiveInt().optional(),
    max: positiveInt().optional(),
  }),
]);

export const serviceDistribution = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('exponential'), mean_s: positive() }),
  z.strictObject({ dist: z.literal('deterministic'), value_s: positive() }),
  z.strictObject({ dist: z.literal('lognormal'), mean_s: positive(), cv: positive() }),
]);

/**
 * Speculative decoding on a decode or mixed group: a draft model (catalog id or
 * inline), k tokens proposed per step, acceptance α per token. α < 1: at 1 the draft
 * always agrees with the target, i.e. it is the target. k is bounded where its gain
 * saturates (MAX_SPECULATIVE_TOKENS says why).
 */
export const speculative = z.strictObject({
  draft_model: z.union([text(), inlineModel]),
  tokens: intBetween(1, MAX_SPECULATIVE_TOKENS),
  acceptance: belowOne(),
});

/**
 * A closed-loop user's think time between the end of one request and the sending of
 * the next. `constant` may be 0 (LLMPerf and genai-perf send at once); the sampler is
 * the service times' (sim/serving/service-time.ts).
 */
export const thinkDistribution = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('constant'), value_s: nonNegative() }),
  z.strictObject({ dist: z.literal('exponential'), mean_s: positive() }),
  z.strictObject({ dist: z.literal('lognormal'), mean_s: positive(), cv: positive() }),
]);

/** A count drawn per item (turns per session): the token distributions' shapes, without `empirical`. */
export const countDistribution = z.discriminatedUnion('dist', [...countShapes]);

/**
 * Multi-turn sessions (sim/workload/sessions.ts): each arrival of the open-loop
 * process starts a session of `turns` requests; turn n's prompt is turn n−1's prompt,
 * its reply and `user_tokens` new tokens, sent `think_s` after the reply completes. An
 * optional system prompt, one of `variants` drawn once each, starts every session.
 */
export const sessions = z.strictObject({
  turns: countDistribution,
  think_s: thinkDistribution,
  user_tokens: tokenDistribution,
  output_tokens: tokenDistribution,
  system_prompt: z.strictObject({ variants: positiveInt(), tokens: tokenDistribution }).optional(),
});

export const AUTOSCALE_POLICIES = ['utilization', 'queue', 'slo'] as const;

/**
 * A node group that grows and shrinks between `min` and `max` instances per rack copy
 * (its `count` is the size it starts at). Every `interval_s` a controller looks at the
 * trailing `window_s` and picks a size (sim/autoscale/policy.ts says how each policy
 * decides). The defaults follow Kubernetes' Horizontal Pod Autoscaler: it decides every
 * 15 s, scales out at once and scales in only after 300 s of lower recommendations
 * (docs/scenarios.md, Autoscaling, has the addresses). `window_s` 60 s is an
 * **assumption** (the trailing minute HPA's metrics pipeline averages over).
 */
export const autoscale = z.strictObject({
  min: positiveInt(),
  max: positiveInt(),
  policy: oneOf(AUTOSCALE_POLICIES),
  /**
   * utilization: busy fraction in (0, 1]; queue: requests per instance; slo: attainment in (0, 1] (default
   * slo.quantile).
   */
  target: positive().optional(),
  /** slo: scale in when the window's requests would have met bounds this fraction of the scenario's. */
  scale_in_ratio: belowOne().optional(),
  window_s: positive().default(60),
  interval_s: positive().default(15),
  scale_out_cooldown_s: nonNegative().default(0),
  scale_in_cooldown_s: nonNegative().default(300),
  /**
   * Seconds from the decision to an instance that serves; absent: boot + weight load of its hardware
   * (sim/physics/provisioning.ts).
   */
  provisioning_s: nonNegative().optional(),
});

export const nodeGroup = z.strictObject({
  hardware: z.union([text(), inlineHardware]).optional(),
  devices: positiveInt().optional(),
  count: positiveInt().default(1),
  role: oneOf(ROLES),
  service: z
    .strictObject({ prefill: serviceDistribution.optional(), decode: serviceDistribution.optional() })
    .optional(),
  speculative: speculative.optional(),
  autoscale: autoscale.optional(),
});

export const rack = z.strictObject({
  name: identifier(),
  count: positiveInt().default(1),
  uplink_gbps: positive().optional(),
  /** Power budget of one copy of this rack, kW: its instances' nameplate power must fit (rack-power.ts). */
  power_kw: positive().optional(),
  nodes: z.array(nodeGroup).min(1, { error: 'must list at least one node group' }),
});

export const network = z.strictObject({
  kv_transfer: oneOf(['off', 'network']).default('network'),
  spine_gbps: positive().optional(),
  latency_us: nonNegative().default(0),
});

export const arrivals = z.discriminatedUnion('process', [
  z.strictObject({ process: z.literal('poisson'), rate_per_s: positive() }),
  z.strictObject({ process: z.literal('gamma'), rate_per_s: positive(), cv: positive() }),
  z.strictObject({ process: z.literal('deterministic'), rate_per_s: positive() }),
  z.strictObject({
    process: z.literal('diurnal'),
    sinusoid: z
      .strictObject({
        mean_rate_per_s: positive(),
        amplitude: unitInterval(),
        period_s: positive(),
        phase_s: nonNegative().default(0),
      })
      .optional(),
    points: z
      .array(z.strictObject({ t_s: nonNegative(), rate_per_s: nonNegative() }))
      .min(1, { error: 'must list at least one point' })
      .optional(),
    period_s: positive().optional(),
  }),
  z.strictObject({
    process: z.literal('trace'),
    path: text(),
    format: oneOf(TRACE_FORMATS),
    time_scale: positive().default(1),
    start_s: nonNegative().default(0),
    duration_s: positive().optional(),
    max_prompt_tokens: positiveInt().optional(),
  }),
  z.strictObject({
    process: z.literal('closed'),
    users: positiveInt(),
    think_s: thinkDistribution.default({ dist: 'constant', value_s: 0 }),
  }),
]);

/**
 * Prefix caching (issue 20). `block_tokens`: the Mooncake traces' block size by
 * default. A host tier per instance (`host_gb`, loaded at `host_gbytes_per_s` per
 * device over PCIe) and a datacenter store (`store_gb`, fetched over the network;
 * `store_gbps` its attachment to the spine, absent = unconstrained; split prefill
 * instances only). Sources and assumptions: docs/model.md, Prefix caching.
 */
export const prefixCache = z.strictObject({
  block_tokens: positiveInt().default(512),
  host_gb: nonNegative().default(0),
  host_gbytes_per_s: positive().default(50),
  store_gb: nonNegative().default(0),
  store_gbps: positive().optional(),
});

/**
 * The `prefix-aware` router's cost per instance, Dynamo's KV router's: `overlap_weight`
 * × blocks the prompt would prefill there + blocks of prompts queued or in service
 * there; the lowest cost wins (docs.nvidia.com/dynamo/latest/components/router/routing-concepts,
 * `--router-kv-overlap-score-weight`, default 1.0; sim/serving/prefix-router.ts).
 */
export const prefixAware = z.strictObject({ overlap_weight: nonNegative().default(1) });

/** A planned outage: down at `at_s`, back `repair_s` later. */
const outage = { at_s: nonNegative(), repair_s: positive() };

export const faults = z.strictObject({
  /** Times a request may be displaced by failures and start again; one more is a rejection. */
  max_retries: nonNegativeInt().default(3),
  /** Random failures: every matching instance fails after exponential up-times. */
  random: z
    .array(
      z.strictObject({
        hardware: text().optional(),
        role: oneOf(ROLES).optional(),
        mtbf_s: positive(),
        mttr_s: positive(),
      }),
    )
    .default([]),
  instances: z.array(z.strictObject({ instance: text(), ...outage })).default([]),
  racks: z.array(z.strictObject({ rack: text(), ...outage })).default([]),
  links: z.array(z.strictObject({ link: text(), ...outage })).default([]),
});

export const scenarioSchema = z.strictObject({
  $schema: text().optional(),
  name: identifier(),
  description: text().optional(),
  seed: integer().default(1),
  duration_s: positive().optional(),
  warmup_s: nonNegative().default(0),
  drain_s: nonNegative().optional(),
  model: z.union([text(), inlineModel]).optional(),
  precision: precision.default({ weights: 'bf16', kv: 'bf16' }),
  datacenter: z.strictObject({
    racks: z.array(rack).min(1, { error: 'must list at least one rack' }),
    network: network.default({ kv_transfer: 'network', latency_us: 0 }),
    /** Facility power ÷ IT power; absent: DEFAULT_PUE (sim/physics/power.ts says why). */
    pue: atLeastOne().optional(),
    /** Electricity price, US dollars per kWh; absent: DEFAULT_USD_PER_KWH. */
    electricity_usd_per_kwh: nonNegative().optional(),
  }),
  workload: z.strictObject({
    arrivals,
    prompt_tokens: tokenDistribution.optional(),
    output_tokens: tokenDistribution.optional(),
    /**
     * The output limit every client sends with its request (OpenAI's `max_tokens`). A
     * request whose output would be longer stops there, truncated, as serving engines
     * stop at it (vLLM's FINISHED_LENGTH_CAPPED). Reserve admission sizes its KV by it.
     */
    max_tokens: positiveInt().optional(),
    /** Multi-turn sessions started by the arrivals (docs/scenarios.md, Sessions). */
    sessions: sessions.optional(),
  }),
  scheduling: z
    .strictObject({
      router: routerField().default('least-work'),
      prefill_router: routerField().optional(),
      decode_router: routerField().optional(),
      prefill_max_batch_tokens: positiveInt().default(8192),
      decode_max_batch: positiveInt().default(256),
      decode_stepping: oneOf(['fast-forward', 'exact']).default('fast-forward'),
      mixed_policy: oneOf(['chunked', 'prefill-first']).default('chunked'),
      chunk_tokens: positiveInt().default(2048),
      /** How a colocated instance admits prompts: evict (vLLM) or reserve (TensorRT-LLM's GUARANTEED_NO_EVICT). */
      admission: oneOf(ADMISSIONS).default('evict'),
      /** Prefix caching per instance (absent: off); docs/scenarios.md, Prefix cache. */
      prefix_cache: prefixCache.optional(),
      /** The `prefix-aware` router's setting. */
      prefix_aware: prefixAware.optional(),
    })
    .default({
      router: 'least-work',
      prefill_max_batch_tokens: 8192,
      decode_max_batch: 256,
      decode_stepping: 'fast-forward',
      mixed_policy: 'chunked',
      chunk_tokens: 2048,
      admission: 'evict',
    }),
  // Either bound alone is an SLO (attainment then counts that bound only); resolve()
  // requires at least one.
  slo: z
    .strictObject({ ttft_s: positive().optional(), tpot_s: positive().optional(), quantile: fraction().default(0.99) })
    .optional(),
  metrics: z.strictObject({ window_s: positive().default(10) }).default({ window_s: 10 }),
  faults: faults.optional(),
});

export type ScenarioFile = z.output<typeof scenarioSchema>;
export type TokenDistribution = z.output<typeof tokenDistribution>;
export type ServiceDistribution = z.output<typeof serviceDistribution>;
export type ThinkDistribution = z.output<typeof thinkDistribution>;
export type SessionsFile = z.output<typeof sessions>;
export type Arrivals = z.output<typeof arrivals>;
export type SpeculativeFile = z.output<typeof speculative>;
export type FaultsFile = z.output<typeof faults>;
export type AutoscaleFile = z.output<typeof autoscale>;
export type AutoscalePolicy = (typeof AUTOSCALE_POLICIES)[number];
/** Latency bounds; an absent bound is not checked. */
export type Slo = NonNullable<ScenarioFile['slo']>;
export type Role = (typeof ROLES)[number];
export type RouterName = (typeof ROUTERS)[number];
export type CacheRouterName = (typeof CACHE_ROUTERS)[number];
export type PrefixCacheFile = z.output<typeof prefixCache>;
export type Admission = (typeof ADMISSIONS)[number];
