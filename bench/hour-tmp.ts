import { checkScenario, runScenarioStreamed } from '../sim/index.js';
import { datacenter1024 } from './datacenter-1024.js';
const s = checkScenario(datacenter1024(Number(process.env.SIM_S ?? 3600)), 'dc.json');
const t0 = performance.now();
const r = runScenarioStreamed(s, { write() {} });
console.log('hour: requests', r.stats.generated, 'wall', ((performance.now() - t0) / 1000).toFixed(1), 's', 'peak RSS', (process.resourceUsage().maxRSS / 1024).toFixed(0), 'MB', 'ttft p99', r.summary.ttft_p99_s);
