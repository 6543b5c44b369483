// The scale reference of issue 7: a synthetic datacenter of 1,024 instances (512
// prefill and 512 decode single-GPU H100 replicas of Llama 3.1 8B, 64 racks of 16)
// at 2,000 requests/s, KV handed off over the network.
//
// `day`: the same datacenter under a day compressed into `duration_s` (the built-in
// day's cycle: trough a third of the 2,000 req/s peak), static, or autoscaled with
// each group between 2 and 16 instances per rack (issue 21's speed target: the
// autoscaled day costs at most 10% more than the static one). Controller times and
// provisioning are the same fractions of the day as 15 s, 60 s, 300 s and 140 s of a
// real one.
export function datacenter1024(duration_s: number, day?: 'static' | 'autoscaled'): Record<string, unknown> {
  const racks = [];
  const scale = duration_s / 86400;
  for (const role of ['prefill', 'decode']) {
    const policy = role === 'prefill' ? { policy: 'utilization', target: 0.6 } : { policy: 'queue', target: 16 };
    const autoscale = {
      min: 2,
      max: 16,
      ...policy,
      interval_s: 15 * scale,
      window_s: 60 * scale,
      scale_in_cooldown_s: 300 * scale,
      provisioning_s: 140 * scale,
    };
    racks.push({
      name: role,
      count: 32,
      uplink_gbps: 6400,
      nodes: [
        { hardware: 'h100-sxm', devices: 1, count: 16, role, ...(day === 'autoscaled' ? { count: 8, autoscale } : {}) },
      ],
    });
  }
  const arrivals = day
    ? {
        process: 'diurnal',
        sinusoid: { mean_rate_per_s: (2000 * 2) / 3, amplitude: 0.5, period_s: duration_s, phase_s: duration_s / 4 },
      }
    : { process: 'poisson', rate_per_s: 2000 };
  return {
    name: day ? `datacenter-1024-day-${day}` : 'datacenter-1024',
    seed: 1,
    duration_s,
    warmup_s: Math.min(60, duration_s / 10),
    model: 'llama-3.1-8b',
    datacenter: { racks, network: { kv_transfer: 'network', spine_gbps: 204800, latency_us: 10 } },
    workload: {
      arrivals,
      prompt_tokens: { dist: 'lognormal', median: 1024, sigma: 1.0, max: 16384 },
      output_tokens: { dist: 'lognormal', median: 256, sigma: 0.8, max: 2048 },
    },
    scheduling: { router: 'least-work' },
    slo: { ttft_s: 1.0, tpot_s: 0.05, quantile: 0.99 },
    metrics: { window_s: 60 },
  };
}
