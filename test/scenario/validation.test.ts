import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../sim/index.js';
import { baseScenario, edited } from '../helpers/base-scenario.js';
import { problems } from '../helpers/problems.js';

/** Turn the prefill group into a physics-driven one. */
function physics(s: Record<string, any>, group: Record<string, unknown>, model: string | null = 'llama-3.1-70b'): void {
  const g = s.datacenter.racks[0].nodes[0];
  delete g.service;
  Object.assign(g, group);
  if (model === null) delete s.model;
  else s.model = model;
}

describe('scenario validation', () => {
  it('accepts the base scenario and fills defaults', () => {
    const s = checkScenario(baseScenario(), 'f.json');
    expect(s.instances).toHaveLength(7);
    expect(s.instances[0]?.name).toBe('pre-0/prefill-0');
    expect(s.instances[3]?.name).toBe('pre-1/prefill-1');
    expect(s.instances[6]?.name).toBe('dec-0/decode-2');
    expect(s.routers).toEqual({ prefill: 'jsq', decode: 'jsq' });
    expect(s.drain_s).toBe(200);
    expect(s.horizon_s).toBe(400);
  });

  // Each case: an edit, the field path that must be named, and words of the message.
  const cases: Array<[string, (s: Record<string, any>) => void, string, RegExp]> = [
    [
      'negative count',
      (s) => (s.datacenter.racks[0].nodes[0].count = -2),
      'datacenter.racks[0].nodes[0].count',
      /must be a positive integer, got -2/,
    ],
    [
      'fractional count',
      (s) => (s.datacenter.racks[1].count = 1.5),
      'datacenter.racks[1].count',
      /positive integer, got 1.5/,
    ],
    ['zero duration', (s) => (s.duration_s = 0), 'duration_s', /positive number, got 0/],
    ['duration as string', (s) => (s.duration_s = '600'), 'duration_s', /must be a positive number, got "600"/],
    ['missing duration', (s) => delete s.duration_s, 'duration_s', /is required/],
    ['warmup not before end', (s) => (s.warmup_s = 300), 'warmup_s', /less than duration_s/],
    ['bad name', (s) => (s.name = 'My Scenario'), 'name', /lower-case/],
    ['unknown top-level key', (s) => (s.duraton_s = 5), 'duraton_s', /unknown key \(did you mean 'duration_s'\?\)/],
    [
      'unknown nested key',
      (s) => (s.datacenter.racks[0].nodes[0].rol = 'x'),
      'datacenter.racks[0].nodes[0].rol',
      /did you mean 'role'/,
    ],
    [
      'unknown role',
      (s) => (s.datacenter.racks[0].nodes[0].role = 'prefil'),
      'datacenter.racks[0].nodes[0].role',
      /one of "prefill", "decode", "mixed", got "prefil" \(did you mean 'prefill'\?\)/,
    ],
    ['unknown router', (s) => (s.scheduling.router = 'least_work'), 'scheduling.router', /did you mean 'least-work'/],
    [
      'unknown arrival process',
      (s) => (s.workload.arrivals.process = 'poison'),
      'workload.arrivals.process',
      /did you mean 'poisson'/,
    ],
    [
      'missing distribution tag',
      (s) => delete s.workload.output_tokens.dist,
      'workload.output_tokens.dist',
      /is required/,
    ],
    [
      'uniform min > max',
      (s) => (s.workload.output_tokens = { dist: 'uniform', min: 10, max: 5 }),
      'workload.output_tokens.max',
      /at least min \(10\), got 5/,
    ],
    [
      'lognormal sigma 0',
      (s) => (s.workload.prompt_tokens.sigma = 0),
      'workload.prompt_tokens.sigma',
      /positive number, got 0/,
    ],
    [
      'service key from another distribution',
      (s) => (s.datacenter.racks[1].nodes[0].service.decode = { dist: 'exponential', value_s: 1 }),
      'datacenter.racks[1].nodes[0].service.decode.value_s',
      /unknown key/,
    ],
    ['quantile above 1', (s) => (s.slo.quantile = 1.5), 'slo.quantile', /in \(0, 1\], got 1.5/],
    ['no racks', (s) => (s.datacenter.racks = []), 'datacenter.racks', /at least one rack/],
    ['prefill with no decode', (s) => s.datacenter.racks.pop(), 'datacenter.racks', /no node group has role "decode"/],
    [
      'no prefill-capable instance',
      (s) => s.datacenter.racks.shift(),
      'datacenter.racks',
      /no instance serves prefill/,
    ],
    [
      'duplicate rack names',
      (s) => (s.datacenter.racks[1].name = 'pre'),
      'datacenter.racks[1].name',
      /duplicate rack name/,
    ],
    [
      'phase without a service time or hardware',
      (s) => delete s.datacenter.racks[0].nodes[0].service,
      'datacenter.racks[0].nodes[0].hardware',
      /is required: the prefill phase has no service time/,
    ],
    [
      'unknown hardware',
      (s) => physics(s, { hardware: 'h100' }),
      'datacenter.racks[0].nodes[0].hardware',
      /unknown hardware 'h100' \(did you mean 'h100-sxm'\?\)/,
    ],
    [
      'unknown model',
      (s) => physics(s, { hardware: 'h100-sxm' }, 'llama-3.1-7b'),
      'model',
      /unknown model 'llama-3.1-7b' \(did you mean 'llama-3.1-8b'\?\)/,
    ],
    [
      'a model that does not fit the devices',
      (s) => physics(s, { hardware: 'h100-sxm', devices: 1 }),
      'datacenter.racks[0].nodes[0].devices',
      /1 × h100-sxm hold 72.0 GB usable; llama-3.1-70b needs 141.1 GB .*fewest that fit: 4/,
    ],
    [
      'a model that fits no replica',
      (s) => physics(s, { hardware: { id: 'tiny', base: 'h100-sxm', memory_gb: 0.001 } }),
      'datacenter.racks[0].nodes[0].hardware',
      /fits on no replica of up to 1024 tiny devices/,
    ],
    [
      'devices not a multiple of an instance shape',
      (s) => physics(s, { hardware: 'trn2.48xlarge', devices: 8 }),
      'datacenter.racks[0].nodes[0].devices',
      /multiple of 16/,
    ],
    [
      'inline hardware without base misses fields',
      (s) => physics(s, { hardware: { id: 'mine', bf16_tflops: 100 } }),
      'datacenter.racks[0].nodes[0].hardware.memory_gb',
      /is required for inline hardware without a 'base'/,
    ],
    [
      'physics needs a model',
      (s) => physics(s, { hardware: 'h100-sxm' }, null),
      'model',
      /is required: datacenter.racks\[0\].nodes\[0\] runs on the performance model/,
    ],
    [
      'decode service on a prefill node',
      (s) => (s.datacenter.racks[0].nodes[0].service.decode = { dist: 'deterministic', value_s: 1 }),
      'datacenter.racks[0].nodes[0].service.decode',
      /never runs decode/,
    ],
    ['seed not an integer', (s) => (s.seed = 1.5), 'seed', /integer, got 1.5/],
    ['window of zero', (s) => (s.metrics.window_s = 0), 'metrics.window_s', /positive number/],
    ['racks not an array', (s) => (s.datacenter.racks = {}), 'datacenter.racks', /must be an array, got an object/],
  ];

  it.each(cases)('%s → names %s', (_label, edit, path, message) => {
    const found = problems(edited(edit));
    const match = found.find((p) => p.startsWith(`${path}: `));
    expect(match, `problems were:\n${found.join('\n')}`).toBeDefined();
    expect(match).toMatch(message);
  });

  it('reports every problem at once, not just the first', () => {
    const found = problems(
      edited((s) => {
        s.duration_s = -1;
        s.datacenter.racks[0].nodes[0].count = 0;
        s.scheduling.router = 'fastest';
      }),
    );
    expect(found.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['duration_s', 'datacenter.racks[0].nodes[0].count', 'scheduling.router']),
    );
  });

  it('rejects a document that is not an object', () => {
    expect(problems([1, 2])[0]).toMatch(/must be an object, got an array of 2/);
  });
});
