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
 * Meter a phase server's passes against the replica's peaks: the server's meter gives
 * its pool's MFU and MBU, and the sum of its instance's phase meters the node's (one
 * meter charged per pass, not two: this is on the path of every pass).
 */
export function chargingFor(
  server: PhaseServer,
  instance: Instance,
  d: Deployment,
  model: WorkModel,
  w: Windows,
): Charging {
  server.work ??= new WorkMeter(w, peakFlopsPerSecond(d), peakBytesPerSecond(d));
  if (!instance.work.includes(server.work)) instance.work.push(server.work);
  return { model, pass: new PassCharge([server.work]) };
}
