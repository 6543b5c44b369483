export { Instance, type Windows } from './instance.js';
export { Flow, type FlowReceiver, Link, Network } from './network.js';
export { Topology, type NetworkSpec } from './topology.js';
