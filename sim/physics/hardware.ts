// Hardware catalog. Every figure carries its source in `sources`, or says
// "assumption" there: nobody publishes it and the number is ours to defend or
// override (inline hardware in a scenario file takes the same fields).
// Units: TFLOPS dense, GB = 1e9 B, TB/s = 1e12 B/s, Gb/s = 1e9 bit/s.

import { FITTED } from './fitted.js';
import { InvariantError } from '../engine/index.js';

export type PerformanceKind = 'roofline' | 'wafer-pipeline';

export interface HardwareSpec {
  id: string;
  description: string;
  /** How batch times are computed: a roofline (HBM accelerators) or a wafer pipeline (Cerebras). */
  model: PerformanceKind;
  bf16_tflops: number;
  fp8_tflops: number;
  memory_gb: number;
  memory_tbps: number;
  /** Fraction of memory the serving runtime may fill with weights and KV. */
  usable_memory_frac: number;
  /** Device-to-device bandwidth within a scale-up domain, GB/s per device per direction. */
  scaleup_gbytes_per_s: number;
  /** Devices in one scale-up domain (NVLink island, Trainium instance). */
  scaleup_domain: number;
  /** Scale-out network (NIC) bandwidth per device, Gb/s. */
  nic_gbps: number;
  efficiency: {
    /** Achieved fraction of peak FLOPS in prefill (MFU). */
    prefill_mfu: number;
    /** Achieved fraction of peak FLOPS in decode. */
    decode_mfu: number;
    /** Achieved fraction of peak memory bandwidth by a large pass. */
    memory_bw: number;
    /** Tokens in a pass at which half of `memory_bw` is reached: a pass of T tokens
     * streams at memory_bw · T / (T + memory_bw_half_tokens) of peak (small decode
     * batches issue too few loads to saturate HBM). Absent or 0: no batch dependence. */
    memory_bw_half_tokens?: number | undefined;
  };
  overhead: {
    /** Fixed cost of launching one prefill batch, s. */
    prefill_s: number;
    /** Fixed cost of one decode step (scheduler, sampling), s. */
    step_s: number;
    /** Kernel launch and synchronisation cost per layer per forward pass, s. */
    per_layer_s: number;
    /** Latency of one all-reduce across the instance's devices, s (the part that does
     * not grow with the tensor-parallel degree: launch and synchronisation). */
    allreduce_s: number;
    /** Latency of one step of a ring all-reduce, s: a ring over D devices takes
     * 2·(D − 1) steps (reduce-scatter, then all-gather). Absent or 0: none. */
    allreduce_step_s?: number | undefined;
  };
  /** Wafer pipelines only: per-layer latency (layer_s + layer_width_s · (hidden / 8192)²,
   * the second term proportional to a layer's FLOPs) and per inter-wafer hop latency, s. */
  wafer?: { layer_s: number; hop_s: number; layer_width_s?: number | undefined } | undefined;
  /** Busy power per device, W: what a compute-bound pass (prefill) draws, the TDP. */
  power_w: number;
  /** Idle power per device, W (powered, nothing in service). Absent: DEFAULT_IDLE_FRAC × power_w. */
  idle_power_w?: number | undefined;
  /** Power per device while only decode steps run, W (memory-bound). Absent: power_w. */
  decode_power_w?: number | undefined;
  /** The device's share of its host's power (CPUs, memory, NICs, fans, power
   * conversion), W, drawn while the instance is on. Absent: 0. */
  host_power_w?: number | undefined;
  /**
   * Seconds from power-on to a running serving runtime, before weights load (provisioning.ts). Absent:
   * DEFAULT_BOOT_S.
   */
  boot_s?: number | undefined;
  /** Weight load rate per device, GB/s, when an instance is provisioned. Absent: DEFAULT_WEIGHT_LOAD_GBYTES_PER_S. */
  weight_load_gbytes_per_s?: number | undefined;
  price_per_hour_usd: number;
  /** Devices per instance when this entry is an instance shape (trn2.48xlarge: 16). */
  shape_devices?: number | undefined;
  sources: Record<string, string>;
}

/** `spec` with fitted constants set, by path (`efficiency.memory_bw`, `wafer.layer_s`, …). */
export function withFitted(spec: HardwareSpec, values: Readonly<Record<string, number>>): HardwareSpec {
  const efficiency: Record<string, number | undefined> = { ...spec.efficiency };
  const overhead: Record<string, number | undefined> = { ...spec.overhead };
  const wafer: Record<string, number | undefined> | undefined = spec.wafer ? { ...spec.wafer } : undefined;
  for (const [path, v] of Object.entries(values)) {
    const [group, field] = path.split('.');
    const target =
      group === 'efficiency' ? efficiency : group === 'overhead' ? overhead : group === 'wafer' ? wafer : undefined;
    if (!target || !field) throw new InvariantError(`fitted constant ${path} does not apply to hardware ${spec.id}`);
    target[field] = v;
  }
  return {
    ...spec,
    efficiency: efficiency as HardwareSpec['efficiency'],
    overhead: overhead as HardwareSpec['overhead'],
    wafer: wafer as HardwareSpec['wafer'],
  };
}

/** The last fit's constants of a family (sim/physics/fitted.ts, written by npm run calibrate). */
const fitted = (family: keyof typeof FITTED.families) => FITTED.families[family].values;
const FIT_SOURCE = (family: keyof typeof FITTED.families) =>
  `fitted by npm run calibrate to ${FITTED.families[family].rows.length} rows of docs/measurements.csv ` +
  `(sim/physics/fitted.ts has the rows and objective; docs/physics.md, Calibration)`;

const H100_SHEET = 'NVIDIA H100 SXM spec sheet, as encoded in ai-dynamo/aiconfigurator systems/h100_sxm.yaml';
const AIC = 'AIConfigurator roofline correction: effective HBM bandwidth × 0.8';
const BLIS_MFU = 'BLIS calibration of H100: MFU 0.45 prefill, 0.30 decode';
const OVERHEADS = {
  prefill_s: 0.002,
  step_s: 0.0002,
  per_layer_s: 15e-6,
  allreduce_s: 5e-6,
};
const OVERHEAD_SOURCES = {
  'overhead.per_layer_s': 'assumption: ~5 kernels per layer × 3 µs per kernel (AIConfigurator charges 3 µs per kernel)',
  'overhead.allreduce_s': 'assumption: small-message all-reduce latency within a scale-up domain, ~5 µs',
  'overhead.step_s': 'assumption: 0.2 ms of scheduling and sampling per decode step',
  'overhead.prefill_s': 'assumption: 2 ms fixed per prefill batch (scheduling, tokenisation, launch)',
};

const POWER_SOURCES_HOPPER = {
  power_w:
    'NVIDIA H100 page, specifications (https://www.nvidia.com/en-us/data-center/h100/): ' +
    'H100 SXM "Max Thermal Design Power (TDP) Up to 700W (configurable)"',
  idle_power_w: 'assumption: 75 W, ~10% of TDP (no published idle measurement of an H100 SXM in our sources)',
  decode_power_w:
    'Ma et al., "The Illusion of Power Capping in LLM Decode", ' +
    'arXiv:2605.11999 (https://arxiv.org/abs/2605.11999): ' +
    'decode on H200 "draws only 137–300 W on a 700 W GPU"; the top of the range, ' +
    'since serving batches are large; H100 taken as H200 (same GH100 die and TDP, ' +
    'assumption). Splitwise (Patel et al., ISCA 2024, arXiv:2311.18677) reports the same split: ' +
    'prompt computation near TDP, token generation "can be run with lower power"',
  host_power_w:
    'NVIDIA DGX H100 User Guide, hardware overview ' +
    '(https://docs.nvidia.com/dgx/dgxh100-user-guide/introduction-to-dgxh100.html): ' +
    'system power ~10.2 kW max; less 8 × 700 W of GPUs = 4.6 kW of host, ' +
    '575 W per GPU. An upper bound on what the host draws (measured: ' +
    '8.4 kW at most for the whole node in training, Latif et al., arXiv:2412.08602)',
};

const ANYSCALE_LOAD =
  'Anyscale, "Loading Llama-2 70b 20x faster with Anyscale Endpoints" ' +
  '(https://www.anyscale.com/blog/loading-llama-2-70b-20x-faster-with-anyscale-endpoints): ' +
  'download and init of Llama 2 70B on a p4de (8 GPUs) ' +
  'cut from 4 min 25 s to 20 s by streaming S3 → CPU → GPU; ~140 GB in 20 s is 7 GB/s per node, ' +
  '0.875 GB/s per GPU';
const BOOT_ASSUMPTION =
  'assumption: 120 s to power on, boot and start the serving container (not measured in our sources; ' +
  'Anyscale puts a whole cold start at "up to 10 minutes")';

const h100: HardwareSpec = {
  id: 'h100-sxm',
  description: 'NVIDIA H100 SXM 80 GB (GPU); HGX: 8 on NVLink',
  model: 'roofline',
  bf16_tflops: 989,
  fp8_tflops: 1979,
  memory_gb: 80,
  memory_tbps: 3.35,
  usable_memory_frac: 0.9,
  scaleup_gbytes_per_s: 450,
  scaleup_domain: 8,
  nic_gbps: 400,
  efficiency: { prefill_mfu: 0.45, decode_mfu: 0.3, memory_bw: 0.8 },
  overhead: OVERHEADS,
  power_w: 700,
  idle_power_w: 75,
  decode_power_w: 300,
  host_power_w: 575,
  boot_s: 120,
  weight_load_gbytes_per_s: 7 / 8,
  price_per_hour_usd: 4.916,
  sources: {
    figures: H100_SHEET,
    nic_gbps: 'ConnectX-7, 400 Gb/s per GPU',
    usable_memory_frac: "vLLM's default gpu_memory_utilization = 0.9",
    ...OVERHEAD_SOURCES,
    'efficiency, overhead':
      `${FIT_SOURCE('hopper')}; shared with h200-sxm (same GH100 die and software); the ` +
      `pre-fit assumptions were ${BLIS_MFU} and ${AIC}`,
    ...POWER_SOURCES_HOPPER,
    boot_s: BOOT_ASSUMPTION,
    weight_load_gbytes_per_s: ANYSCALE_LOAD,
    price_per_hour_usd: 'AWS EC2 Capacity Blocks, p5.48xlarge us-east-1: $39.33/h for 8 GPUs = $4.916 per GPU-hour',
  },
};

const trn2: HardwareSpec = {
  id: 'trn2',
  description: 'AWS Trainium2 chip (96 GiB HBM); 16 per trn2.48xlarge on NeuronLink-v3',
  model: 'roofline',
  bf16_tflops: 667,
  fp8_tflops: 1299,
  memory_gb: 96 * 1.073741824,
  memory_tbps: 2.9,
  usable_memory_frac: 0.9,
  scaleup_gbytes_per_s: 1024,
  scaleup_domain: 16,
  nic_gbps: 3200 / 16,
  efficiency: { prefill_mfu: 0.45, decode_mfu: 0.3, memory_bw: 0.8 },
  overhead: { ...OVERHEADS, allreduce_s: 10e-6 },
  power_w: 500,
  idle_power_w: 50,
  host_power_w: 150,
  boot_s: 180,
  weight_load_gbytes_per_s: 7 / 16,
  price_per_hour_usd: 35 / 16,
  sources: {
    figures: 'AWS Neuron SDK docs, trainium2.rst / trn2-arch',
    scaleup_gbytes_per_s: 'NeuronLink-v3: 1.28 TB/s per chip, 1,024 GB/s of it within an instance',
    nic_gbps: 'EFAv3 3.2 Tb/s per 16-chip trn2.48xlarge, 200 Gb/s per chip',
    usable_memory_frac: 'assumption: as vLLM on GPUs, 0.9',
    efficiency:
      `assumption: decode_mfu and memory_bw as the H100's before its fit (${BLIS_MFU}; ${AIC}): batch-1 ` +
      `rows cannot separate them from the fixed costs`,
    ...OVERHEAD_SOURCES,
    'efficiency.prefill_mfu, overhead.allreduce_s/prefill_s/step_s': FIT_SOURCE('trn2'),
    power_w: 'assumption: 500 W per chip (AWS publishes no Trainium2 chip or trn2.48xlarge power)',
    idle_power_w: 'assumption: 10% of busy power, as the H100 (no published measurement)',
    decode_power_w:
      'assumption: as busy power (no measurement of a prefill/decode split on Trainium; ' +
      'the GPU split is not carried over)',
    host_power_w:
      'assumption: 150 W per chip, 2.4 kW per trn2.48xlarge: two server CPUs (~350 W each, ' +
      "as the DGX H100's Xeon 8480C), 2 TiB of memory, EFA NICs and fans; not published",
    boot_s:
      "assumption: 180 s, the GPU server's 120 s plus a minute to load the precompiled Neuron artifact " +
      '(NEFF) a Trainium model needs (no published figure)',
    weight_load_gbytes_per_s:
      `assumption: the same 7 GB/s per instance as a GPU node streaming from storage ` +
      `(${ANYSCALE_LOAD.split(':')[0]}), shared by 16 chips`,
    price_per_hour_usd: 'assumption: $35/h per trn2.48xlarge (no public price in our sources), per chip',
  },
};

/** The catalog before the fit: peak figures, sources and the pre-fit assumptions. The
 * calibration starts from it, so that a fit never depends on the previous one. */
export const PRE_FIT_HARDWARE: Readonly<Record<string, HardwareSpec>> = {
  trn2,
  'trn2.48xlarge': {
    ...trn2,
    id: 'trn2.48xlarge',
    description:
      'AWS trn2.48xlarge: 16 Trainium2 in a 4×4 torus, 1,536 GiB, 46.4 TB/s, EFAv3 3.2 Tb/s (figures per chip)',
    // An instance shape: devices count chips, in multiples of 16.
    shape_devices: 16,
    sources: { ...trn2.sources, shape: 'AWS Neuron SDK trn2-arch: 16 chips, 1,536 GiB, 46.4 TB/s, 10.7 PF BF16' },
  },
  'h100-sxm': h100,
  'h200-sxm': {
    ...h100,
    id: 'h200-sxm',
    description: 'NVIDIA H200 SXM 141 GB (GPU); HGX: 8 on NVLink',
    memory_gb: 141,
    memory_tbps: 4.8,
    price_per_hour_usd: 5.408,
    sources: {
      ...h100.sources,
      figures: 'NVIDIA H200 spec sheet, as in aiconfigurator systems/h200_sxm.yaml; compute as H100',
      'efficiency, overhead': `${FIT_SOURCE('hopper')}: the H100's, fitted over H100 and H200 rows together`,
      power_w:
        'NVIDIA H200 page, specifications (https://www.nvidia.com/en-us/data-center/h200/): ' +
        'H200 SXM "Max Thermal Design Power (TDP) Up to 700W (configurable)"',
      price_per_hour_usd: 'AWS EC2 Capacity Blocks, p5e (8 × H200) US East (Ohio): $43.26/h = $5.408 per GPU-hour',
    },
  },
  trn3: {
    id: 'trn3',
    description: 'AWS Trainium3 chip (144 GiB HBM); UltraServer gen 2 scale-up of 144 chips',
    model: 'roofline',
    bf16_tflops: 671,
    fp8_tflops: 2517,
    memory_gb: 144 * 1.073741824,
    memory_tbps: 4.9,
    usable_memory_frac: 0.9,
    scaleup_gbytes_per_s: 2000,
    scaleup_domain: 144,
    nic_gbps: 200,
    efficiency: { prefill_mfu: 0.45, decode_mfu: 0.3, memory_bw: 0.8 },
    overhead: { ...OVERHEADS, allreduce_s: 10e-6 },
    power_w: 700,
    idle_power_w: 70,
    host_power_w: 150,
    price_per_hour_usd: 3.0,
    sources: {
      figures: 'AWS Neuron SDK docs, trainium3.rst / trn3-arch; fp8 is MXFP8',
      scaleup_gbytes_per_s: 'NeuronLink-v4 ~2.0–2.56 TB/s per chip (sources disagree): the lower figure',
      nic_gbps: 'EFA 200 Gb/s per chip (UltraServer tables, derived)',
      efficiency: `assumption: H100's figures before their fit (${BLIS_MFU}; ${AIC})`,
      ...OVERHEAD_SOURCES,
      'efficiency.prefill_mfu, overhead.allreduce_s/prefill_s/step_s':
        `assumption: Trainium2's (same Neuron software stack; no Trainium3 measurements), ` + FIT_SOURCE('trn2'),
      power_w: 'assumption: 700 W per chip (not published)',
      idle_power_w: 'assumption: 10% of busy power, as the H100',
      decode_power_w: 'assumption: as busy power (no measurement of a split)',
      host_power_w: 'assumption: as Trainium2, 150 W per chip',
      price_per_hour_usd: 'assumption: $3.00 per chip-hour (not published)',
    },
  },
  cs3: {
    id: 'cs3',
    description: 'Cerebras CS-3 system (WSE-3, 44 GB on-wafer SRAM); wafers pipelined layer by layer',
    model: 'wafer-pipeline',
    bf16_tflops: 62_500,
    fp8_tflops: 125_000,
    memory_gb: 44,
    memory_tbps: 21_000,
    usable_memory_frac: 1.0,
    scaleup_gbytes_per_s: 150,
    scaleup_domain: 1,
    nic_gbps: 1200,
    efficiency: { prefill_mfu: 0.3, decode_mfu: 0.3, memory_bw: 1.0 },
    overhead: { prefill_s: 0.002, step_s: 0, per_layer_s: 0, allreduce_s: 0 },
    wafer: { layer_s: 5.26e-6, hop_s: 18.46e-6 },
    power_w: 23_000,
    idle_power_w: 2_300,
    host_power_w: 0,
    boot_s: 300,
    weight_load_gbytes_per_s: 150,
    price_per_hour_usd: 75,
    sources: {
      memory: 'Argonne ALCF Cerebras user guide: 44 GB SRAM, 21 PB/s',
      bf16_tflops: 'assumption: the quoted 125 PF "peak AI" read as sparse/FP8; dense BF16 taken as half',
      nic_gbps: '1.2 Tb/s system I/O, 12 × 100 GbE',
      usable_memory_frac: 'assumption: no runtime workspace carved out of SRAM',
      'wafer.layer_s/layer_width_s':
        `${FIT_SOURCE('cs3')}: Cerebras' launch figures without speculative decoding ` +
        `(8B 1,800 tok/s on 1 wafer, 70B 450 on 4)`,
      'wafer.hop_s':
        'assumption: 18.46 µs, what the earlier two-point fit (70B 2,100 and 405B 969 tok/s) gave; the launch ' +
        'figures cannot separate it from the layer time',
      efficiency: 'assumption: 0.3 of the assumed peak, for the compute ceiling of large batches',
      power_w:
        '~23 kW per system, second-hand (no Cerebras datasheet in our sources gives it; the CS-1 drew ~20 kW peak, https://www.anandtech.com/tag/llnl)',
      idle_power_w: 'assumption: 10% of busy power, as the H100 (no published measurement)',
      decode_power_w: 'assumption: as busy power (weights stay in SRAM: no HBM-bound phase to draw less)',
      host_power_w:
        "assumption: 0: the 23 kW is the whole system; the appliance's CPU servers (MemoryX, SwarmX) are not modelled",
      boot_s:
        'assumption: 300 s to bring a CS-3 system up and configure the wafer for a model ' +
        '(no published figure; a wafer-scale system is configured as a whole, so bring-up, not weights, dominates)',
      weight_load_gbytes_per_s:
        'assumption: the 1.2 Tb/s system I/O (150 GB/s) per wafer; ' +
        "a wafer's ~37 GB share of a 70B model loads in ~0.3 s",
      price_per_hour_usd: 'assumption: ~$2.5M per system amortised over 4 years (~$71/h) plus 23 kW of power: $75/h',
      scaleup_gbytes_per_s: 'assumption: activations between wafers cross the 1.2 Tb/s system I/O (150 GB/s)',
    },
  },
};

/** Which fitted family's constants an entry takes (trn3: Trainium2's, **assumption**). */
export const FIT_FAMILY: Readonly<Record<string, keyof typeof FITTED.families>> = {
  'h100-sxm': 'hopper',
  'h200-sxm': 'hopper',
  trn2: 'trn2',
  'trn2.48xlarge': 'trn2',
  trn3: 'trn2',
  cs3: 'cs3',
};

/** The catalog: the pre-fit entries with the last fit's constants (sim/physics/fitted.ts). */
export const HARDWARE: Readonly<Record<string, HardwareSpec>> = Object.fromEntries(
  Object.entries(PRE_FIT_HARDWARE).map(([id, spec]) => [
    id,
    FIT_FAMILY[id] ? withFitted(spec, fitted(FIT_FAMILY[id])) : spec,
  ]),
);
