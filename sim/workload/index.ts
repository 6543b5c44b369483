export { interArrival, type InterArrival } from './arrivals.js';
export { lengthSampler, type LengthSampler } from './lengths.js';
export { piecewise, sinusoid, thinnedArrivals, type RateProfile } from './diurnal.js';
export { readLines } from './line-reader.js';
export {
  scanTrace,
  traceArrivals,
  traceLengths,
  type TraceArrival,
  type TraceWindow,
  type TraceSummary,
} from './trace.js';
export { TraceError, TRACE_FORMATS, type TraceFormat, parseAzureRow, parseMooncakeRow } from './trace-formats.js';
export { arrivalStream, type Arrival, type ArrivalStream } from './stream.js';
export { openLoopFeed, type Feed, type RequestSink } from './feed.js';
export { closedLoopFeed, MAX_INSTANT_RESENDS } from './closed-loop.js';
