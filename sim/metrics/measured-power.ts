import { DEFAULT_PUE, DEFAULT_USD_PER_KWH } from '../physics/index.js';
import type { ResolvedScenario } from '../scenario/resolved.js';
import type { SummaryContext } from './summary.js';
import type { WindowTables } from './window-tables.js';

/**
 * The summary's power inputs over the measured period [warmup_s, duration_s], after
 * every window row was made: IT energy of all instances (idle ones too), the peak
 * window, and the scenario's PUE and price (defaults and their reasons:
 * sim/physics/power.ts).
 */
export function measuredPower(tables: WindowTables, scenario: ResolvedScenario): SummaryContext['power'] {
  const span_s = scenario.duration_s - scenario.warmup_s;
  const it_J = tables.power.measuredJ(span_s);
  return {
    it_J,
    // No window inside the period (a window longer than it): its mean power instead.
    peakIt_W: tables.measuredPeakItW(scenario.warmup_s, scenario.duration_s) ?? it_J / span_s,
    pue: scenario.datacenter.pue ?? DEFAULT_PUE,
    usdPerKwh: scenario.datacenter.electricity_usd_per_kwh ?? DEFAULT_USD_PER_KWH,
  };
}
