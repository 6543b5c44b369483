// An H100 with round constants that hand computations in tests spell out (the
// catalog's before `npm run calibrate` fitted them), so a check follows the formula,
// not the fit.
import { HARDWARE } from '../../sim/physics/index.js';

export const BF16 = { weights: 'bf16', kv: 'bf16' } as const;

export const roundH100 = {
  ...HARDWARE['h100-sxm']!,
  efficiency: { prefill_mfu: 0.45, decode_mfu: 0.3, memory_bw: 0.8 },
  overhead: { prefill_s: 0.002, step_s: 0.0002, per_layer_s: 15e-6, allreduce_s: 5e-6 },
};
