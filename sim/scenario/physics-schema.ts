import * as z from 'zod';
import { flag, fraction, identifier, nonNegative, oneOf, positive, positiveInt, text } from './fields.js';

// Inline models and hardware in scenario files: the same fields as the catalogs
// (sim/physics). Inline hardware may name a catalog `base` and override some fields.

export const inlineModel = z.strictObject({
  id: identifier(),
  layers: positiveInt(),
  hidden: positiveInt(),
  heads: positiveInt(),
  kv_heads: positiveInt(),
  head_dim: positiveInt(),
  ffn: positiveInt(),
  vocab: positiveInt(),
  tied_embeddings: flag().default(false),
});

const efficiency = z.strictObject({
  prefill_mfu: fraction(),
  decode_mfu: fraction(),
  memory_bw: fraction(),
  memory_bw_half_tokens: nonNegative().optional(),
});
const overhead = z.strictObject({
  prefill_s: nonNegative(),
  step_s: nonNegative(),
  per_layer_s: nonNegative(),
  allreduce_s: nonNegative(),
  allreduce_step_s: nonNegative().optional(),
});
const wafer = z.strictObject({ layer_s: positive(), hop_s: nonNegative(), layer_width_s: nonNegative().optional() });

/** Every field a complete hardware entry has (catalog entries satisfy it too). */
export const hardwareFields = z.strictObject({
  id: identifier(),
  description: text().default('inline hardware'),
  model: oneOf(['roofline', 'wafer-pipeline']),
  bf16_tflops: positive(),
  fp8_tflops: positive(),
  memory_gb: positive(),
  memory_tbps: positive(),
  usable_memory_frac: fraction(),
  scaleup_gbytes_per_s: positive(),
  scaleup_domain: positiveInt(),
  nic_gbps: positive(),
  efficiency,
  overhead,
  wafer: wafer.optional(),
  power_w: nonNegative(),
  idle_power_w: nonNegative().optional(),
  decode_power_w: nonNegative().optional(),
  host_power_w: nonNegative().optional(),
  boot_s: nonNegative().optional(),
  weight_load_gbytes_per_s: positive().optional(),
  price_per_hour_usd: nonNegative(),
  shape_devices: positiveInt().optional(),
  sources: z.record(z.string(), z.string()).default({}),
});

/** What a scenario may write: a base to start from and any fields to override. */
export const inlineHardware = z.strictObject({
  ...hardwareFields.shape,
  id: identifier(),
  base: text().optional(),
  description: text().optional(),
  model: oneOf(['roofline', 'wafer-pipeline']).optional(),
  bf16_tflops: positive().optional(),
  fp8_tflops: positive().optional(),
  memory_gb: positive().optional(),
  memory_tbps: positive().optional(),
  usable_memory_frac: fraction().optional(),
  scaleup_gbytes_per_s: positive().optional(),
  scaleup_domain: positiveInt().optional(),
  nic_gbps: positive().optional(),
  efficiency: efficiency.partial().optional(),
  overhead: overhead.partial().optional(),
  wafer: wafer.partial().optional(),
  power_w: nonNegative().optional(),
  price_per_hour_usd: nonNegative().optional(),
  sources: z.record(z.string(), z.string()).optional(),
});

export const precision = z.strictObject({
  weights: oneOf(['bf16', 'fp8']).default('bf16'),
  kv: oneOf(['bf16', 'fp8']).default('bf16'),
});

export type InlineHardware = z.output<typeof inlineHardware>;
export type InlineModel = z.output<typeof inlineModel>;
