export { Instance, type Windows } from './instance.js';
