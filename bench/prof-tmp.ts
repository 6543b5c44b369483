import { checkScenario, runScenarioStreamed } from '/work/main/sim/index.js';
import { datacenter1024 } from '/work/main/bench/datacenter-1024.js';
const s = checkScenario(datacenter1024(40), 'dc.json');
const t0 = performance.now();
const r = runScenarioStreamed(s, { write() {} });
console.log('wall', (performance.now() - t0) / 1000, 'events', r.stats.events, 'generated', r.stats.generated);
