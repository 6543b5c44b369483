export { buildReport, type Report, writeReport } from './report.js';
export { readResults, readRuns, type ResultSet } from './read.js';
