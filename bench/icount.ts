// Instruction-count probe for A/B comparisons on a noisy machine: run it under
// `valgrind --tool=callgrind node --single-threaded --import tsx bench/icount.ts`
// (SIM_S simulated seconds of the 1,024-instance datacenter, default 4).
import { checkScenario, runScenarioStreamed } from '../sim/index.js';
import { datacenter1024 } from './datacenter-1024.js';
const s = checkScenario(datacenter1024(Number(process.env.SIM_S ?? 4)), 'dc.json');
const r = runScenarioStreamed(s, { write() {} });
console.log('requests', r.stats.generated);
