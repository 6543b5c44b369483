// How long a batch takes. Pure functions of the deployment and the batch's shape; the
// formulas and every constant are in docs/physics.md.
import { type Deployment, draftDeployment } from './deployment.js';
import type { HardwareSpec } from './hardware.js';
import { flopsPerToken, kvBytesPerToken, type ModelArch, weightBytes } from './model.js';
import { expectedTokensPerStep } from './speculative.js';
import { InvariantError } from '../engine/index.js';

/**
 * A decode step's time as a function of the batch's total context C, for a fixed
 * batch size: `max(a1 + b1·C, a2 + b2·C) + extra`. Linear pieces let a run of steps
 * (C grows by B each step) be summed in closed form.
 */
export interface StepLine {
  readonly a1: number;
  readonly b1: number;
  readonly a2: number;
  readonly b2: number;
  readonly extra: number;
  /** Speculative decoding: the target's line above is its verification pass, and the
   * step also runs the draft; absent for a plain step. */
  readonly draft?: DraftLine | undefined;
}

/**
 * The draft's share of a speculative step, and what the step yields. Draft pass j
 * (0 ≤ j < passes) reads C + j·B of context: `line` at C + j·B. The whole step emits
 * `tokensPerStep` tokens per sequence on average, so one emitted token costs the step
 * divided by it (docs/physics.md, Speculative decoding).
 */
export interface DraftLine {
  readonly line: StepLine;
  readonly passes: number;
  readonly tokensPerStep: number;
}

/**
 * Batch times of one replica. Every pass depends on the batch only through sums:
 * - `tokens`: tokens computed in the pass (prompt tokens, or one per decoding request);
 * - `attentionPairs`: (query, key) pairs of attention over the pass;
 * - `kvTokens`: KV tokens read or written.
 * With speculative decoding, a pass that is not a decode step (prefill, recompute, a
 * colocated iteration carrying prompt chunks) runs the draft over the same tokens so
 * that its KV keeps up, and does not speculate; a decode step speculates, and its time
 * is per emitted token (the step's time over the expected tokens per step).
 */
export interface BatchTimer {
  passSeconds(tokens: number, attentionPairs: number, kvTokens: number, prefill: boolean): number;
  /** Prefill of prompts with Σ L = tokens and Σ L² = sumSquaredTokens (causal: L²/2 pairs each). */
  prefillSeconds(tokens: number, sumSquaredTokens: number): number;
  /** One decode step of `batch` requests reading `contextTokens` of KV in all (per
   * emitted token when speculating). */
  decodeStepSeconds(batch: number, contextTokens: number): number;
  /** The step line of a batch size (the same object each time: a decode run starts on
   * every change of batch membership, and a batch size's line never changes). */
  stepLine(batch: number): StepLine;
}

export function batchTimer(d: Deployment): BatchTimer {
  const pass = passOf(d);
  const lines: StepLine[] = [];
  const draftD = draftDeployment(d);
  if (!draftD || !d.speculative) {
    return {
      passSeconds: pass.seconds,
      prefillSeconds: (tokens, sumSquared) => pass.seconds(tokens, sumSquared / 2, tokens, true),
      decodeStepSeconds: (batch, context) => pass.seconds(batch, context, context, false),
      stepLine: (batch) => (lines[batch] ??= pass.stepLine(batch, 1)),
    };
  }
  // The engine schedules and samples once per iteration: the draft's passes pay their
  // own kernel launches and all-reduces, not the per-step or per-batch fixed costs.
  const draft = passOf(draftD, false);
  const k = d.speculative.tokens;
  const q = k + 1;
  const perStep = expectedTokensPerStep(k, d.speculative.acceptance);
  const both = (tokens: number, pairs: number, kv: number, prefill: boolean) =>
    pass.seconds(tokens, pairs, kv, prefill) + draft.seconds(tokens, pairs, kv, prefill);
  return {
    passSeconds: both,
    prefillSeconds: (tokens, sumSquared) => both(tokens, sumSquared / 2, tokens, true),
    decodeStepSeconds(batch, context) {
      // Verification: q positions per sequence; position i attends to its context and
      // the i draft tokens before it; the KV is read once, q new entries written.
      let t = pass.seconds(batch * q, q * context + (batch * k * q) / 2, context + batch * k, false);
      for (let j = 0; j < k; j++) t += draft.seconds(batch, context + j * batch, context + j * batch, false);
      return t / perStep;
    },
    stepLine: (batch) =>
      (lines[batch] ??= {
        ...pass.stepLine(batch, q),
        draft: { line: draft.stepLine(batch, 1), passes: k, tokensPerStep: perStep },
      }),
  };
}

/** The passes of a replica; `fixed`: whether each pass pays the step / prefill-batch fixed cost. */
function passOf(d: Deployment, fixed = true): Pass {
  return d.hardware.model === 'wafer-pipeline' ? waferPipeline(d, fixed) : roofline(d, fixed);
}

/** Per-layer tensor-parallel all-reduces of `tokens` activations (two per layer, ring). */
export function tensorParallelSeconds(d: Deployment, tokens: number): number {
  const D = d.devices;
  if (D <= 1) return 0;
  const hw = d.hardware;
  const bytes = tokens * d.model.hidden * 2; // BF16 activations
  const link_Bps = D <= hw.scaleup_domain ? hw.scaleup_gbytes_per_s * 1e9 : (hw.nic_gbps / 8) * 1e9;
  // Ring all-reduce: 2·(D − 1) steps, each paying a step latency and moving 1/D of the
  // buffer (docs/physics.md, All-reduce).
  const perAllReduce = allReduceLatencySeconds(hw, D) + ((2 * (D - 1)) / D) * (bytes / link_Bps);
  return 2 * d.model.layers * perAllReduce;
}

/** Latency of one all-reduce over D devices, before any bytes move: fixed + ring steps. */
export function allReduceLatencySeconds(hw: HardwareSpec, D: number): number {
  return D <= 1 ? 0 : hw.overhead.allreduce_s + 2 * (D - 1) * (hw.overhead.allreduce_step_s ?? 0);
}

/** Fraction of peak memory bandwidth a pass of `tokens` tokens reaches (docs/physics.md). */
export function memoryEfficiency(hw: HardwareSpec, tokens: number): number {
  const half = hw.efficiency.memory_bw_half_tokens ?? 0;
  return half > 0 ? (hw.efficiency.memory_bw * tokens) / (tokens + half) : hw.efficiency.memory_bw;
}

/** One layer's latency on a wafer pipeline: a fixed part plus a part proportional to
 * the layer's FLOPs (∝ hidden² at the Llama shapes). */
export function waferLayerSeconds(hw: HardwareSpec, model: ModelArch): number {
  const wafer = hw.wafer;
  if (!wafer) throw new InvariantError(`hardware ${hw.id} has no wafer pipeline constants`);
  return wafer.layer_s + (wafer.layer_width_s ?? 0) * (model.hidden / 8192) ** 2;
}

interface Pass {
  seconds(tokens: number, attentionPairs: number, kvTokens: number, prefill: boolean): number;
  /**
   * A decode pass of `batch` sequences with `q` query positions each, as a line in the
   * total context C = Σ (context + 1): q = 1 is a plain step; q = k + 1 a speculative
   * verification (q·C + B·q(q−1)/2 attention pairs, C + B·(q−1) KV tokens).
   */
  stepLine(batch: number, q: number): StepLine;
}

/** FLOPs per (query, key) attention pair, over all layers: QKᵀ and AV, 2·n_q·d each. */
const pairFlops = (d: Deployment) => 4 * d.model.layers * d.model.heads * d.model.head_dim;

/**
 * Roofline for HBM accelerators (GPUs, Trainium): a pass is bound by the larger of its
 * compute time (FLOPs at an efficiency) and its memory time (weights once, plus the KV
 * it reads or writes, at an efficiency), plus tensor-parallel communication and fixed
 * overheads.
 */
function roofline(d: Deployment, fixedCosts: boolean): Pass {
  const { model, hardware: hw, devices } = d;
  const peakFlops = (d.precision.weights === 'fp8' ? hw.fp8_tflops : hw.bf16_tflops) * 1e12 * devices;
  const peakBandwidth_Bps = hw.memory_tbps * 1e12 * devices;
  const weights = weightBytes(model, d.precision);
  const kvB = kvBytesPerToken(model, d.precision);
  const dense = flopsPerToken(model);
  const pair = pairFlops(d);
  const layerOverhead = model.layers * hw.overhead.per_layer_s;
  const prefill_s = fixedCosts ? hw.overhead.prefill_s : 0;
  const step_s = fixedCosts ? hw.overhead.step_s : 0;
  return {
    seconds(tokens, pairs, kvTokens, prefill) {
      const mfu = prefill ? hw.efficiency.prefill_mfu : hw.efficiency.decode_mfu;
      const compute = (dense * tokens + pair * pairs) / (peakFlops * mfu);
      const memory = (weights + kvTokens * kvB) / (peakBandwidth_Bps * memoryEfficiency(hw, tokens));
      const fixed = prefill ? prefill_s : step_s;
      return Math.max(compute, memory) + tensorParallelSeconds(d, tokens) + layerOverhead + fixed;
    },
    stepLine(batch, q) {
      const compute = peakFlops * hw.efficiency.decode_mfu;
      // The pass carries batch·q tokens whatever the context: the line stays linear in C.
      const bandwidth_Bps = peakBandwidth_Bps * memoryEfficiency(hw, batch * q);
      return {
        a1: (weights + kvB * batch * (q - 1)) / bandwidth_Bps,
        b1: kvB / bandwidth_Bps,
        a2: (dense * batch * q + (pair * batch * (q - 1) * q) / 2) / compute,
        b2: (pair * q) / compute,
        extra: tensorParallelSeconds(d, batch * q) + layerOverhead + step_s,
      };
    },
  };
}

/**
 * Cerebras wafers pipelined layer by layer. A token crosses every layer and every
 * inter-wafer hop: latency = layers·t_layer + (wafers − 1)·t_hop, fitted to published
 * single-user speeds. Weights and KV sit in SRAM, so memory never binds; large batches
 * hit a compute ceiling instead. A prefill pass pays the pipeline latency plus its
 * compute.
 */
function waferPipeline(d: Deployment, fixedCosts: boolean): Pass {
  const { model, hardware: hw, devices } = d;
  const pipeline_s = model.layers * waferLayerSeconds(hw, model) + (devices - 1) * hw.wafer!.hop_s;
  const peakFlops = (d.precision.weights === 'fp8' ? hw.fp8_tflops : hw.bf16_tflops) * 1e12 * devices;
  const dense = flopsPerToken(model);
  const pair = pairFlops(d);
  const prefill_s = fixedCosts ? hw.overhead.prefill_s : 0;
  const step_s = fixedCosts ? hw.overhead.step_s : 0;
  return {
    seconds(tokens, pairs, _kvTokens, prefill) {
      const mfu = prefill ? hw.efficiency.prefill_mfu : hw.efficiency.decode_mfu;
      const compute = (dense * tokens + pair * pairs) / (peakFlops * mfu);
      return prefill ? pipeline_s + compute + prefill_s : Math.max(pipeline_s, compute) + step_s;
    },
    stepLine(batch, q) {
      const compute = peakFlops * hw.efficiency.decode_mfu;
      const a2 = (dense * batch * q + (pair * batch * (q - 1) * q) / 2) / compute;
      return { a1: pipeline_s, b1: 0, a2, b2: (pair * q) / compute, extra: step_s };
    },
  };
}

/** Time of `steps` consecutive decode steps whose total context starts at `context0`
 * and grows by `batch` each step, in closed form. (Hot path: no closures.) A
 * speculative line adds each draft pass's run at its own offset of context, and
 * charges the sum per emitted token. */
export function stepsSeconds(line: StepLine, batch: number, context0: number, steps: number): number {
  const draft = line.draft;
  if (!draft) return plainStepsSeconds(line, batch, context0, steps);
  let t = plainStepsSeconds(line, batch, context0, steps);
  for (let j = 0; j < draft.passes; j++) t += plainStepsSeconds(draft.line, batch, context0 + j * batch, steps);
  return t / draft.tokensPerStep;
}

function plainStepsSeconds(line: StepLine, batch: number, context0: number, steps: number): number {
  if (steps <= 0) return 0;
  const { a1, b1, a2, b2, extra } = line;
  // g(i) = piece2 − piece1 at step i is linear in i: piece 2 rules on a half-line.
  const g0 = a2 - a1 + (b2 - b1) * context0;
  const slope = (b2 - b1) * batch;
  if (slope === 0) {
    return (
      (g0 >= 0 ? lineSum(a2, b2, context0, batch, 0, steps) : lineSum(a1, b1, context0, batch, 0, steps)) +
      steps * extra
    );
  }
  const root = -g0 / slope;
  if (slope > 0) {
    const k = Math.min(steps, Math.max(0, Math.ceil(root))); // steps before k: piece 1
    return lineSum(a1, b1, context0, batch, 0, k) + lineSum(a2, b2, context0, batch, k, steps - k) + steps * extra;
  }
  const k = Math.min(steps, Math.max(0, Math.floor(root) + 1)); // steps before k: piece 2
  return lineSum(a2, b2, context0, batch, 0, k) + lineSum(a1, b1, context0, batch, k, steps - k) + steps * extra;
}

/** Σ_{from ≤ i < from+n} (a + b·(C0 + i·B)) = n·a + b·(n·(C0 + from·B) + B·n(n−1)/2). */
function lineSum(a: number, b: number, context0: number, batch: number, from: number, n: number): number {
  return n <= 0 ? 0 : n * a + b * (n * (context0 + from * batch) + (batch * n * (n - 1)) / 2);
}

/**
 * The most steps k ≤ maxSteps of a run (as in stepsSeconds) that end by `t_s`:
 * stepsSeconds(k) ≤ t_s < stepsSeconds(k + 1). Solved from the quadratic of each linear
 * piece, then settled against stepsSeconds itself so it agrees to the last bit.
 */
export function stepsWithin(line: StepLine, batch: number, context0: number, t_s: number, maxSteps: number): number {
  if (t_s < 0) return 0;
  // Estimate with the dominant piece at the start (a speculative line: the first step
  // and the growth of the second); the correction loop fixes the rest.
  let c = Math.max(line.a1 + line.b1 * context0, line.a2 + line.b2 * context0) + line.extra;
  let slope = Math.max(line.b1, line.b2) * batch;
  if (line.draft) {
    c = stepsSeconds(line, batch, context0, 1);
    slope = Math.max(0, stepsSeconds(line, batch, context0, 2) - 2 * c);
  }
  let k =
    slope > 0
      ? Math.floor((-(c - slope / 2) + Math.sqrt((c - slope / 2) ** 2 + 2 * slope * t_s)) / slope)
      : Math.floor(t_s / c);
  k = Math.min(maxSteps, Math.max(0, Number.isFinite(k) ? k : 0));
  while (k > 0 && stepsSeconds(line, batch, context0, k) > t_s) k--;
  while (k < maxSteps && stepsSeconds(line, batch, context0, k + 1) <= t_s) k++;
  return k;
}
