import {
  batchTimer,
  devicePower,
  provisioningFigures,
  fewestDevices,
  flopsPerToken,
  HARDWARE,
  kvBytesPerToken,
  kvCapacityTokens,
  type ModelArch,
  MODELS,
  parameterCount,
  type Precision,
  replicaPricePerHour,
  weightBytes,
} from '../physics/index.js';

/** Fixed-width table: columns right-aligned but the first. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c] as number) : x.padStart(widths[c] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fmt = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/**
 * The hardware catalog per device: peaks, power (busy, decode, idle, host), provisioning (boot, weight load) and
 * price.
 */
function hardwareTable(): string {
  return table(
    [
      'hardware',
      'model',
      'BF16 TF',
      'FP8 TF',
      'memory GB',
      'mem TB/s',
      'NIC Gb/s',
      'W busy',
      'W decode',
      'W idle',
      'W host',
      '$/hour',
    ],
    Object.values(HARDWARE).map((h) => {
      const p = devicePower(h);
      return [
        h.id,
        h.model,
        fmt(h.bf16_tflops),
        fmt(h.fp8_tflops),
        fmt(h.memory_gb, 1),
        fmt(h.memory_tbps, 2),
        fmt(h.nic_gbps),
        fmt(p.prefill_w),
        fmt(p.decode_w),
        fmt(p.idle_w),
        fmt(p.host_w),
        fmt(h.price_per_hour_usd, 3),
      ];
    }),
  );
}

/** `splitsim catalog`: both catalogs with the figures derived for each model. */
export function formatCatalog(precision: Precision, only?: string[]): string {
  const models = Object.values(MODELS).filter((m) => !only || only.includes(m.id));
  const out: string[] = [];
  out.push(`Models (weights ${precision.weights}, KV ${precision.kv})`);
  out.push(modelTable(models, precision));
  out.push('');
  out.push('Hardware (per device; sources: docs/physics.md)');
  out.push(hardwareTable());
  for (const m of models) {
    out.push('');
    out.push(
      `${m.id} on one replica of the fewest devices that fit (prefill of a 2,048-token prompt; decode of one user ` +
        `at 1,024 tokens of context)`,
    );
    out.push(replicaTable(m, precision));
  }
  return out.join('\n');
}

/** Each model's architecture and the sizes derived from it at `precision`. */
function modelTable(models: readonly ModelArch[], precision: Precision): string {
  return table(
    ['model', 'layers', 'hidden', 'heads/kv', 'ffn', 'params (B)', 'weights GB', 'KV B/token', 'GFLOP/token'],
    models.map((m) => [
      m.id,
      String(m.layers),
      fmt(m.hidden),
      `${m.heads}/${m.kv_heads}`,
      fmt(m.ffn),
      fmt(parameterCount(m) / 1e9, 2),
      fmt(weightBytes(m, precision) / 1e9, 1),
      fmt(kvBytesPerToken(m, precision)),
      fmt(flopsPerToken(m) / 1e9, 1),
    ]),
  );
}

/** One replica of `m` on the fewest devices of each hardware that hold it: capacity, speed, price. */
function replicaTable(m: ModelArch, precision: Precision): string {
  return table(
    ['hardware', 'devices', 'KV tokens', 'decode tok/s/user', 'prefill tok/s', 'TTFT 2k ms', 'replica $/hour'],
    Object.values(HARDWARE).map((h) => {
      const devices = fewestDevices(m, h, precision);
      if (devices === undefined) return [h.id, 'no fit', '-', '-', '-', '-', '-'];
      const d = { model: m, hardware: h, devices, precision };
      const t = batchTimer(d);
      const prefill = t.prefillSeconds(2048, 2048 * 2048);
      return [
        h.id,
        String(devices),
        fmt(kvCapacityTokens(d)),
        fmt(1 / t.decodeStepSeconds(1, 1024)),
        fmt(2048 / prefill),
        fmt(prefill * 1000, 1),
        fmt(replicaPricePerHour(d), 2),
      ];
    }),
  );
}
