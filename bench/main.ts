// Benchmarks live apart from the tests (npm run bench). For now: the queueing-mode
// built-in scenarios, simulated requests per wall second, one run each.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, runScenario } from '../sim/index.js';

const dir = join(import.meta.dirname, '../scenarios');
console.log('scenario'.padEnd(28), 'requests'.padStart(9), 'events'.padStart(9), 'wall s'.padStart(8), 'req/s'.padStart(10), 'events/req'.padStart(11));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const s = loadScenario(join(dir, file));
  runScenario(s); // warm-up: JIT
  const r = runScenario(s);
  console.log(
    s.name.padEnd(28),
    String(r.stats.generated).padStart(9),
    String(r.stats.events).padStart(9),
    r.stats.wall_s.toFixed(3).padStart(8),
    (r.stats.generated / r.stats.wall_s).toFixed(0).padStart(10),
    (r.stats.events / r.stats.generated).toFixed(2).padStart(11),
  );
}
