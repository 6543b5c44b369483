// The scale reference of issue 7: a synthetic datacenter of 1,024 instances (512
// prefill and 512 decode single-GPU H100 replicas of Llama 3.1 8B, 64 racks of 16)
// at 2,000 requests/s, KV handed off over the network.
export function datacenter1024(duration_s: number): Record<string, unknown> {
  const racks = [];
  for (const role of ['prefill', 'decode']) {
    racks.push({
      name: role,
      count: 32,
      uplink_gbps: 6400,
      nodes: [{ hardware: 'h100-sxm', devices: 1, count: 16, role }],
    });
  }
  return {
    name: 'datacenter-1024',
    seed: 1,
    duration_s,
    warmup_s: Math.min(60, duration_s / 10),
    model: 'llama-3.1-8b',
    datacenter: { racks, network: { kv_transfer: 'network', spine_gbps: 204800, latency_us: 10 } },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 2000 },
      prompt_tokens: { dist: 'lognormal', median: 1024, sigma: 1.0, max: 16384 },
      output_tokens: { dist: 'lognormal', median: 256, sigma: 0.8, max: 2048 },
    },
    scheduling: { router: 'least-work' },
    slo: { ttft_s: 1.0, tpot_s: 0.05, quantile: 0.99 },
    metrics: { window_s: 60 },
  };
}
