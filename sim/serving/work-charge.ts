import type { Instance, Windows } from '../datacenter/index.js';
import { PassCharge, WorkMeter } from '../metrics/work-meter.js';
import type { Deployment } from '../physics/index.js';
import { peakBytesPerSecond, peakFlopsPerSecond, type WorkModel } from '../physics/work.js';
import type { PhaseServer } from './phase-server.js';

/** Where a server charges the work of its passes, and how it computes that work. */
export interface Charging {
  model: WorkModel;
  pass: PassCharge;
}

/**
 * Meter a phase server's passes: the server's own meter (its pool's MFU and MBU) and its
 * instance's (the node's), both against the replica's peaks.
 */
export function chargingFor(server: PhaseServer, instance: Instance, d: Deployment, model: WorkModel, w: Windows): Charging {
  const meter = () => new WorkMeter(w, peakFlopsPerSecond(d), peakBytesPerSecond(d));
  instance.work ??= meter();
  server.work ??= meter();
  return { model, pass: new PassCharge([server.work, instance.work]) };
}
