export { buildReport, DEFAULT_HEAT, type Report, type ReportOptions, writeReport } from './report.js';
export { HEAT_METRICS } from './charts.js';
export { readResults, readRuns, type ResultSet } from './read.js';
