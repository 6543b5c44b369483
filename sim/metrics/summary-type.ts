/**
 * A run's summary: one row of `summary.arrow`. Counts cover every request; latencies,
 * throughput and SLO attainment cover the measured requests (arrived in
 * [warmup_s, duration_s)). A metric that is undefined for the run (no measured request
 * completed, no SLO, no price) is `null`. Formulas: docs/metrics.md.
 *
 * A type alias rather than an interface so that it is assignable to a plain record
 * (a sweep's rows add columns to it). Its columns in summary.arrow, with their Arrow
 * types: SUMMARY_COLUMNS (sim/metrics/summary.ts), checked against this type.
 */
export type Summary = {
  /** The scenario's `name`. */
  scenario: string;
  /** Requests generated, warm-up included: `completed + rejected + unfinished`. */
  requests: number;
  /** Requests that produced their last output token. */
  completed: number;
  /** Requests refused (no instance could ever hold them, retries exhausted, …). */
  rejected: number;
  /** Requests still in the system at the horizon (`duration_s + drain_s`). */
  unfinished: number;
  /** A pool's backlog grew over the measured period (trend test on pools.arrow's
   * queue_len_mean, docs/metrics.md), or a request ended unfinished. */
  overloaded: boolean;
  /** Requests that arrived at or after `warmup_s`. */
  measured_requests: number;
  /** Measured completed requests / (duration_s − warmup_s), requests per second. */
  throughput_rps: number;
  /** Output tokens of measured completed requests / (duration_s − warmup_s). */
  output_tokens_per_s: number;
  /** Time to first token, seconds: quantiles over measured completed requests (R type 7). */
  ttft_p50_s: number | null;
  ttft_p90_s: number | null;
  ttft_p99_s: number | null;
  /** Time per output token after the first, seconds (null for one-token outputs). */
  tpot_p50_s: number | null;
  tpot_p90_s: number | null;
  tpot_p99_s: number | null;
  /** Arrival to last token, seconds. */
  e2e_p50_s: number | null;
  e2e_p99_s: number | null;
  /** Waiting for a prefill server, and for a decode slot, seconds (99th percentile). */
  prefill_queue_p99_s: number | null;
  decode_queue_p99_s: number | null;
  /** Means over measured completed requests, seconds. */
  ttft_mean_s: number | null;
  tpot_mean_s: number | null;
  e2e_mean_s: number | null;
  prefill_queue_mean_s: number | null;
  decode_queue_mean_s: number | null;
  /** Measured requests meeting the SLO / all measured requests; null without an `slo`. */
  slo_attainment: number | null;
  /** `slo_attainment ≥ slo.quantile`; null without an `slo`. */
  slo_met: boolean | null;
  /** Measured requests meeting the SLO per second; null without an `slo`. */
  goodput_rps: number | null;
  /** Mean busy fraction of the prefill (decode) servers over [warmup_s, duration_s]. */
  prefill_util: number | null;
  decode_util: number | null;
  /** Model FLOPs utilisation of the prefill (decode) servers over [warmup_s, duration_s]:
   * FLOPs their passes did ÷ (peak FLOP/s at the weight precision × devices × span);
   * null in queueing mode. */
  prefill_mfu: number | null;
  decode_mfu: number | null;
  /** Model bandwidth utilisation: bytes read (weights + KV) ÷ (peak memory bandwidth ×
   * devices × span); for CS-3 against its SRAM bandwidth. Null in queueing mode. */
  prefill_mbu: number | null;
  decode_mbu: number | null;
  /** Mean requests in service per prefill (decode) server over [warmup_s, duration_s]. */
  prefill_batch_mean: number | null;
  decode_batch_mean: number | null;
  /** Mean fraction of KV capacity in use on the prefill (decode) servers' instances; null in queueing mode. */
  prefill_kv_used_frac: number | null;
  decode_kv_used_frac: number | null;
  /** Σ cached prompt tokens ÷ Σ prompt tokens over measured requests; null without a prefix cache (column left out). */
  prefix_cache_hit_rate: number | null;
  /**
   * Σ cached prompt tokens of measured requests ÷ the measured span: prefill work not done; null without a prefix
   * cache.
   */
  prefill_tokens_saved_per_s: number | null;
  /** Fraction of instance-time up over [warmup_s, duration_s]; 1 without faults. */
  availability: number | null;
  /** Times any instance went down. */
  instance_failures: number;
  /** Requests a failure touched (displaced, or a hand-off stalled on a failed link). */
  requests_affected: number;
  /** Requests displaced at least once, and the displacements in all. */
  requests_retried: number;
  retries: number;
  /** The datacenter's hourly price, US dollars; null when any instance has no price. */
  cost_per_hour_usd: number | null;
  /** Price per million output tokens, US dollars. */
  cost_per_mtok_usd: number | null;
  /** Price per million output tokens of measured requests that met the SLO; null without an SLO or when none met it. */
  cost_per_m_goodput_tokens_usd: number | null;
  /**
   * Facility energy over [warmup_s, duration_s]: every instance, idle ones included, × PUE, kWh; null when any
   * instance has no hardware.
   */
  energy_kwh: number | null;
  /** That energy ÷ output tokens of measured completed requests, J; null when none. */
  joules_per_output_token: number | null;
  /** Highest window-mean facility power (IT × PUE) among the windows inside [warmup_s, duration_s], kW. */
  peak_power_kw: number | null;
  /** Electricity bill per hour at `datacenter.electricity_usd_per_kwh`: energy_kwh × price ÷ measured hours. */
  electricity_cost_per_hour_usd: number | null;
  /** Electricity per million output tokens of measured completed requests, US dollars. */
  electricity_cost_per_mtok_usd: number | null;
  /** Instance-hours switched on over [warmup_s, duration_s] (an off autoscaled instance counts nothing), h. */
  instance_hours: number | null;
  /**
   * SLO attainment of measured requests that arrived while an autoscaled group had an instance provisioning (a
   * ramp); null without an SLO or such a request.
   */
  slo_attainment_ramps: number | null;
};
