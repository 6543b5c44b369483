// How long a batch takes. Pure functions of the deployment and the batch's shape; the
// formulas and every constant are in docs/physics.md.
import type { Deployment } from './deployment.js';
import { attentionFlopsPerToken, flopsPerToken, kvBytesPerToken, prefillAttentionFlops, weightBytes } from './model.js';

/**
 * Batch times of one replica. Both depend on the batch only through sums, which is
 * what lets decode be fast-forwarded in closed form:
 * - prefill: Σ prompt tokens and Σ (prompt tokens)²;
 * - decode step: batch size B and Σ context tokens over the batch (the KV read).
 */
export interface BatchTimer {
  prefillSeconds(tokens: number, sumSquaredTokens: number): number;
  decodeStepSeconds(batch: number, contextTokens: number): number;
}

export function batchTimer(d: Deployment): BatchTimer {
  return d.hardware.model === 'wafer-pipeline' ? waferPipeline(d) : roofline(d);
}

/** Per-layer tensor-parallel all-reduces of `tokens` activations (two per layer, ring). */
export function tensorParallelSeconds(d: Deployment, tokens: number): number {
  const D = d.devices;
  if (D <= 1) return 0;
  const hw = d.hardware;
  const bytes = tokens * d.model.hidden * 2; // BF16 activations
  const link_Bps = D <= hw.scaleup_domain ? hw.scaleup_gbytes_per_s * 1e9 : (hw.nic_gbps / 8) * 1e9;
  const perAllReduce = hw.overhead.allreduce_s + ((2 * (D - 1)) / D) * (bytes / link_Bps);
  return 2 * d.model.layers * perAllReduce;
}

/**
 * Roofline for HBM accelerators (GPUs, Trainium): a pass is bound by the larger of its
 * compute time (FLOPs at an efficiency) and its memory time (bytes at an efficiency),
 * plus tensor-parallel communication and fixed overheads.
 */
function roofline(d: Deployment): BatchTimer {
  const { model, hardware: hw, devices } = d;
  const peakFlops = (d.precision.weights === 'fp8' ? hw.fp8_tflops : hw.bf16_tflops) * 1e12 * devices;
  const bandwidth_Bps = hw.memory_tbps * 1e12 * devices * hw.efficiency.memory_bw;
  const weights = weightBytes(model, d.precision);
  const kvB = kvBytesPerToken(model, d.precision);
  const denseFlops = flopsPerToken(model);
  const attention = attentionFlopsPerToken(model, 1);
  const layerOverhead = model.layers * hw.overhead.per_layer_s;
  return {
    prefillSeconds(tokens, sumSquared) {
      const compute = (denseFlops * tokens + prefillAttentionFlops(model, sumSquared)) / (peakFlops * hw.efficiency.prefill_mfu);
      const memory = (weights + tokens * kvB) / bandwidth_Bps; // weights read once, KV written
      return Math.max(compute, memory) + tensorParallelSeconds(d, tokens) + layerOverhead + hw.overhead.prefill_s;
    },
    decodeStepSeconds(batch, context) {
      const memory = (weights + context * kvB) / bandwidth_Bps; // weights once per step, each KV once
      const compute = (denseFlops * batch + attention * context) / (peakFlops * hw.efficiency.decode_mfu);
      return Math.max(memory, compute) + tensorParallelSeconds(d, batch) + layerOverhead + hw.overhead.step_s;
    },
  };
}

/**
 * Cerebras wafers pipelined layer by layer. A token crosses every layer and every
 * inter-wafer hop: latency = layers·t_layer + (wafers − 1)·t_hop, fitted to published
 * single-user speeds. Weights and KV sit in SRAM, so memory never binds; large batches
 * hit a compute ceiling instead.
 */
function waferPipeline(d: Deployment): BatchTimer {
  const { model, hardware: hw, devices } = d;
  const wafer = hw.wafer;
  if (!wafer) throw new Error(`hardware ${hw.id} has no wafer pipeline constants`);
  const pipeline_s = model.layers * wafer.layer_s + (devices - 1) * wafer.hop_s;
  const peakFlops = (d.precision.weights === 'fp8' ? hw.fp8_tflops : hw.bf16_tflops) * 1e12 * devices;
  const denseFlops = flopsPerToken(model);
  const attention = attentionFlopsPerToken(model, 1);
  return {
    prefillSeconds(tokens, sumSquared) {
      const compute = (denseFlops * tokens + prefillAttentionFlops(model, sumSquared)) / (peakFlops * hw.efficiency.prefill_mfu);
      return pipeline_s + compute + hw.overhead.prefill_s;
    },
    decodeStepSeconds(batch, context) {
      const compute = (denseFlops * batch + attention * context) / (peakFlops * hw.efficiency.decode_mfu);
      return Math.max(pipeline_s, compute) + hw.overhead.step_s;
    },
  };
}
