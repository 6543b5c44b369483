/** A small valid queueing-mode scenario as a user would write it; tests mutate copies. */
export function baseScenario(): Record<string, any> {
  return {
    name: 'base',
    seed: 1,
    duration_s: 200,
    warmup_s: 20,
    datacenter: {
      racks: [
        { name: 'pre', count: 2, nodes: [{ count: 2, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }] },
        { name: 'dec', nodes: [{ count: 3, role: 'decode', service: { decode: { dist: 'lognormal', mean_s: 1, cv: 0.5 } } }] },
      ],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 2 },
      prompt_tokens: { dist: 'lognormal', median: 1024, sigma: 1, max: 32768 },
      output_tokens: { dist: 'uniform', min: 1, max: 300 },
    },
    scheduling: { router: 'jsq' },
    slo: { ttft_s: 1, tpot_s: 0.05, quantile: 0.9 },
    metrics: { window_s: 10 },
  };
}

/** Apply `edit` to a fresh copy of the base scenario. */
export function edited(edit: (s: Record<string, any>) => void): Record<string, any> {
  const s = baseScenario();
  edit(s);
  return s;
}
