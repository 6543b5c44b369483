export { batchMeans, meanInterval, studentTQuantile, studentTCdf, type Interval } from './stats.js';
export { erlangC, mmcWait, mg1Wait } from './queueing-theory.js';
