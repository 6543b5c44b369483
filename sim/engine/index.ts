export { Calendar, type Timer } from './calendar.js';
export { RandomStreams, streamSeed, type Source } from './random.js';
export { InvariantError, invariant } from './invariant.js';
export { TimeWeighted } from './time-weighted.js';
export { Fifo } from './fifo.js';
export { removeItem } from './remove-item.js';
export { EventOrder } from './event-order.js';
