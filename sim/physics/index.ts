export {
  MODELS,
  BF16,
  bytesPer,
  parameterCount,
  matmulParameters,
  weightBytes,
  kvBytesPerToken,
  flopsPerToken,
  attentionFlopsPerToken,
  prefillAttentionFlops,
  kvHandoffBytes,
  type ModelArch,
  type Precision,
  type NumberFormat,
} from './model.js';
export { HARDWARE, type HardwareSpec, type PerformanceKind } from './hardware.js';
export {
  fewestDevices,
  fits,
  kvCapacityTokens,
  candidateDevices,
  usableBytes,
  replicaPricePerHour,
  replicaNicGbps,
  replicaWeightBytes,
  replicaKvBytesPerToken,
  draftDeployment,
  KV_RESERVE_FRAC,
  MAX_DEVICES,
  type Deployment,
} from './deployment.js';
export {
  batchTimer,
  stepsSeconds,
  stepsWithin,
  tensorParallelSeconds,
  type BatchTimer,
  type DraftLine,
  type StepLine,
} from './timing.js';
export { expectedTokensPerStep, MAX_SPECULATIVE_TOKENS, type Speculative } from './speculative.js';
export { addPrefill, prefillSums, usableCachedTokens, type PrefillSums } from './prefix.js';
export {
  devicePower,
  instancePower,
  nameplateW,
  meanPowerW,
  meanPowerOnW,
  energyJ,
  facility,
  DEFAULT_IDLE_FRAC,
  DEFAULT_PUE,
  DEFAULT_USD_PER_KWH,
  J_PER_KWH,
  type InstancePower,
} from './power.js';
export {
  provisioningSeconds,
  provisioningFigures,
  DEFAULT_BOOT_S,
  DEFAULT_WEIGHT_LOAD_GBYTES_PER_S,
} from './provisioning.js';
