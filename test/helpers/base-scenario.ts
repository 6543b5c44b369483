/** A small valid queueing-mode scenario as a user would write it; tests mutate copies. */
export function baseScenario(): Record<string, any> {
  return {
    name: 'base',
    seed: 1,
    duration_s: 200,
    warmup_s: 20,
    datacenter: {
      racks: [
        {
          name: 'pre',
          count: 2,
          nodes: [{ count: 2, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }],
        },
        {
          name: 'dec',
          nodes: [{ count: 3, role: 'decode', service: { decode: { dist: 'lognormal', mean_s: 1, cv: 0.5 } } }],
        },
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

/** The base scenario of the small capacity plans the tests run: Llama 3.1 8B on single
 * H100s (the plan replaces the datacenter), 12 requests/s for 60 s, a tight SLO. */
export function smallPlanBase(): Record<string, unknown> {
  return {
    name: 'plan-base',
    seed: 5,
    duration_s: 60,
    warmup_s: 10,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [{ name: 'x', nodes: [{ hardware: 'h100-sxm', devices: 1, role: 'mixed' }] }],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 12 },
      prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.6, max: 8000 },
      output_tokens: { dist: 'lognormal', median: 150, sigma: 0.6, max: 1000 },
    },
    slo: { ttft_s: 0.5, tpot_s: 0.012, quantile: 0.95 },
  };
}
