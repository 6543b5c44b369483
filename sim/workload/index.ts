export { interArrival, type InterArrival } from './arrivals.js';
export { lengthSampler, type LengthSampler } from './lengths.js';
