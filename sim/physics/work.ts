// The work a pass does: FLOPs computed and bytes read from memory. Pure functions of
// the deployment and the pass's shape, the same sums the timing functions take
// (timing.ts), so that model FLOPs / bandwidth utilisation (MFU, MBU) divide what the
// physics charged by what the hardware could have done. Formulas: docs/metrics.md.
import { type Deployment, draftDeployment } from './deployment.js';
import { flopsPerToken, kvBytesPerToken, weightBytes } from './model.js';
import { expectedTokensPerStep } from './speculative.js';

/** FLOPs and bytes of one pass, or summed over several. */
export interface Work {
  flops: number;
  bytes: number;
}

/** FLOPs per (query, key) attention pair over all layers: QKᵀ and AV, 2·n_q·d each. */
const pairFlops = (d: Deployment): number => 4 * d.model.layers * d.model.heads * d.model.head_dim;

/**
 * FLOPs of one forward pass of `tokens` tokens with `attentionPairs` (query, key)
 * pairs: 2·(matmul parameters) per token plus 4·L·n_q·d per pair (model.ts). The
 * target model only; a draft's passes are counted by `workModel`.
 */
export function passFlops(d: Deployment, tokens: number, attentionPairs: number): number {
  return flopsPerToken(d.model) * tokens + pairFlops(d) * attentionPairs;
}

/**
 * Bytes one pass reads or writes in device memory: the weights once (every token of a
 * batch shares the read) plus `kvTokens` tokens of KV cache, as the roofline charges
 * (timing.ts). Activations are left out (assumption: small beside weights and KV at
 * the batch sizes simulated; the roofline leaves them out too).
 */
export function passBytes(d: Deployment, kvTokens: number): number {
  return weightBytes(d.model, d.precision) + kvBytesPerToken(d.model, d.precision) * kvTokens;
}

/** Peak FLOP/s of the replica at its weight precision, over all its devices. */
export function peakFlopsPerSecond(d: Deployment): number {
  return (d.precision.weights === 'fp8' ? d.hardware.fp8_tflops : d.hardware.bf16_tflops) * 1e12 * d.devices;
}

/**
 * Peak memory bandwidth of the replica, bytes/s: the catalog's `memory_tbps` × devices.
 * For HBM accelerators that is HBM bandwidth; for a Cerebras wafer, whose weights and
 * KV sit in on-wafer SRAM, it is the SRAM bandwidth the catalog gives (21 PB/s per
 * CS-3), so a wafer's MBU is tiny by construction and says little about its headroom.
 */
export function peakBytesPerSecond(d: Deployment): number {
  return d.hardware.memory_tbps * 1e12 * d.devices;
}

/**
 * The work of a replica's passes, shaped like its BatchTimer (timing.ts):
 * - `pass`: one pass of `tokens` tokens, `pairs` attention pairs, `kvTokens` KV tokens;
 * - `prefill`: prompts with Σ L = tokens and Σ L² = sumSquaredTokens (L²/2 pairs each);
 * - `decodeSteps`: `steps` consecutive decode steps of `batch` requests whose total
 *   context starts at `context0` and grows by `batch` a step, summed in closed form.
 * With speculative decoding a pass that is not a decode step runs the draft over the
 * same tokens too; a decode step is one verification pass plus k draft passes, and the
 * simulator's step stands for 1/E of it (E the expected tokens per verification step),
 * so its work is divided by E as its time is.
 */
export interface WorkModel {
  pass(tokens: number, pairs: number, kvTokens: number): Work;
  prefill(tokens: number, sumSquaredTokens: number): Work;
  decodeSteps(batch: number, context0: number, steps: number): Work;
}

export function workModel(d: Deployment): WorkModel {
  const draft = draftDeployment(d);
  const plain = (x: Deployment, tokens: number, pairs: number, kv: number): Work => ({
    flops: passFlops(x, tokens, pairs),
    bytes: passBytes(x, kv),
  });
  const pass = (tokens: number, pairs: number, kv: number): Work => {
    const w = plain(d, tokens, pairs, kv);
    if (!draft) return w;
    const v = plain(draft, tokens, pairs, kv);
    return { flops: w.flops + v.flops, bytes: w.bytes + v.bytes };
  };
  const spec = d.speculative;
  return {
    pass,
    prefill: (tokens, sumSquared) => pass(tokens, sumSquared / 2, tokens),
    decodeSteps(batch, context0, steps) {
      if (steps <= 0 || batch <= 0) return { flops: 0, bytes: 0 };
      // Σ_{i<n} C_i with C_i = C0 + i·B: the context every step reads, in closed form.
      const sumC = steps * context0 + (batch * steps * (steps - 1)) / 2;
      if (!draft || !spec) {
        return {
          flops: flopsPerToken(d.model) * batch * steps + pairFlops(d) * sumC,
          bytes: weightBytes(d.model, d.precision) * steps + kvBytesPerToken(d.model, d.precision) * sumC,
        };
      }
      // Verification: q = k + 1 positions per sequence, q·C + B·k·q/2 pairs, C + B·k KV
      // tokens (timing.ts); draft pass j reads C + j·B of context for one token each.
      const k = spec.tokens;
      const q = k + 1;
      let flops = flopsPerToken(d.model) * batch * q * steps + pairFlops(d) * (q * sumC + (steps * batch * k * q) / 2);
      let bytes =
        weightBytes(d.model, d.precision) * steps + kvBytesPerToken(d.model, d.precision) * (sumC + steps * batch * k);
      for (let j = 0; j < k; j++) {
        const sumCj = sumC + steps * j * batch;
        flops += flopsPerToken(draft.model) * batch * steps + pairFlops(draft) * sumCj;
        bytes +=
          weightBytes(draft.model, draft.precision) * steps + kvBytesPerToken(draft.model, draft.precision) * sumCj;
      }
      const perStep = expectedTokensPerStep(k, spec.acceptance);
      return { flops: flops / perStep, bytes: bytes / perStep };
    },
  };
}
