// The measurement set (docs/measurements.csv): one row per published figure, read and
// checked. Columns and their meaning: docs/measurements.md.
import { readFileSync } from 'node:fs';

export const COLUMNS = [
  'id',
  'use',
  'hardware',
  'devices',
  'parallelism',
  'model',
  'weights',
  'kv',
  'arrival',
  'batch_or_concurrency',
  'max_batch',
  'prompt_tokens',
  'output_tokens',
  'metric',
  'value',
  'unit',
  'published',
  'speculative',
  'date',
  'software',
  'source_url',
  'source_ref',
  'notes',
] as const;
export type Column = (typeof COLUMNS)[number];

/** What the simulator is asked for, per row (docs/measurements.md, Metrics). */
export const METRICS = [
  'ttft_p50_s',
  'ttft_mean_s',
  'tpot_p50_s',
  'tpot_mean_s',
  'tokens_per_s_per_user',
  'request_tokens_per_s_p50',
  'output_tokens_per_s',
  'output_tokens_per_s_per_gpu',
  'allreduce_s',
] as const;
export type Metric = (typeof METRICS)[number];

/** How requests arrive in the benchmark a row comes from. */
export type Arrival =
  | { kind: 'single' }
  | { kind: 'offline' }
  | { kind: 'poisson'; rate_per_s: number }
  | { kind: 'concurrency'; users: number };

export interface Measurement {
  /** Every column as written. */
  raw: Record<Column, string>;
  id: string;
  /** 'fit' and 'validate' rows are simulated; 'excluded' rows carry their reason. */
  use: 'fit' | 'validate' | 'excluded';
  excludedReason?: string | undefined;
  hardware: string;
  devices: number;
  model: string;
  weights: string;
  kv: string;
  arrival: Arrival | undefined;
  maxBatch: number | undefined;
  promptTokens: number | undefined;
  outputTokens: number | undefined;
  metric: Metric;
  /** Speculative decoding the benchmark ran, when the `speculative` column names a
   * catalog draft and a speculation length (acceptance is not published: SETUP's). */
  speculative?: { draft_model: string; tokens: number } | undefined;
  /** The published figure in SI units (s, tokens/s). */
  value: number;
  sourceUrl: string;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function parseArrival(text: string): Arrival | undefined {
  if (text === 'single') return { kind: 'single' };
  if (text === 'offline') return { kind: 'offline' };
  const m = /^(poisson|concurrency):(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === 'poisson' ? { kind: 'poisson', rate_per_s: n } : { kind: 'concurrency', users: n };
}

const optionalInt = (s: string) => (s === '' ? undefined : Number(s));

/**
 * Reads the set and checks each row's fields; every problem is reported at once, as
 * `<file> row <n> (<id>): <column> <what is wrong>`.
 */
export function readMeasurements(path: string): Measurement[] {
  const [header, ...body] = parseCsv(readFileSync(path, 'utf8'));
  if (!header || header.join(',') !== COLUMNS.join(','))
    throw new Error(`${path}: the header must be ${COLUMNS.join(',')}`);
  const problems: string[] = [];
  const rows = body.map((cells, i) => {
    const where = `${path} row ${i + 2} (${cells[0] ?? ''})`;
    if (cells.length !== COLUMNS.length) problems.push(`${where}: ${cells.length} fields, expected ${COLUMNS.length}`);
    const raw = Object.fromEntries(COLUMNS.map((c, k) => [c, cells[k] ?? ''])) as Record<Column, string>;
    const bad = (column: Column, what: string) => problems.push(`${where}: ${column} ${what}, got '${raw[column]}'`);
    const use =
      raw.use === 'fit' || raw.use === 'validate' ? raw.use : raw.use.startsWith('excluded: ') ? 'excluded' : undefined;
    if (!use) bad('use', "must be 'fit', 'validate' or 'excluded: <reason>'");
    if (!/^https:\/\/\S+$/.test(raw.source_url)) bad('source_url', 'must be an https address');
    if (
      /github\.com\/[^/]+\/[^/]+\/blob\//.test(raw.source_url) &&
      !/\/blob\/([0-9a-f]{40}|v[0-9.]+)\//.test(raw.source_url)
    )
      bad('source_url', 'must pin a commit (or a release tag) of the repository');
    for (const c of ['id', 'hardware', 'metric', 'published', 'unit', 'source_ref', 'software'] as const)
      if (raw[c] === '') bad(c, 'is required');
    const value = Number(raw.value);
    if (raw.value === '' || !Number.isFinite(value) || value <= 0) bad('value', 'must be a positive number');
    if (!(METRICS as readonly string[]).includes(raw.metric)) bad('metric', `must be one of ${METRICS.join(', ')}`);
    const devices = Number(raw.devices);
    if (!Number.isInteger(devices) || devices <= 0) bad('devices', 'must be a positive integer');
    const arrival = parseArrival(raw.arrival);
    const simulated = use === 'fit' || use === 'validate';
    if (simulated) {
      if (!arrival) bad('arrival', "must be 'single', 'offline', 'poisson:<rate>' or 'concurrency:<users>'");
      for (const c of ['prompt_tokens', 'output_tokens', 'max_batch'] as const) {
        const n = Number(raw[c]);
        if (!Number.isInteger(n) || n <= 0) bad(c, 'must be a positive integer for a simulated row');
      }
      for (const c of ['weights', 'kv'] as const)
        if (raw[c] !== 'bf16' && raw[c] !== 'fp8') bad(c, "must be 'bf16' or 'fp8' for a simulated row");
      if (raw.model === '') bad('model', 'is required for a simulated row');
    }
    return {
      raw,
      id: raw.id,
      use: use ?? 'excluded',
      excludedReason: use === 'excluded' ? raw.use.slice('excluded: '.length) : undefined,
      hardware: raw.hardware,
      devices,
      model: raw.model,
      weights: raw.weights,
      kv: raw.kv,
      arrival,
      maxBatch: optionalInt(raw.max_batch),
      promptTokens: optionalInt(raw.prompt_tokens),
      outputTokens: optionalInt(raw.output_tokens),
      metric: raw.metric as Metric,
      value,
      sourceUrl: raw.source_url,
      speculative: parseSpeculative(raw.speculative),
    } satisfies Measurement;
  });
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) problems.push(`${path}: id '${r.id}' appears twice`);
    seen.add(r.id);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return rows;
}

/** "…draft Llama-3.2-1B…, speculation-length 7" → the catalog draft and k; anything else
 * (none, not stated, a draft the catalog lacks such as an EAGLE head) → undefined. */
export function parseSpeculative(text: string): { draft_model: string; tokens: number } | undefined {
  const m = /draft Llama-3\.2-1B\S*, speculation-length (\d+)/i.exec(text);
  return m ? { draft_model: 'llama-3.2-1b', tokens: Number(m[1]) } : undefined;
}

/** Hardware family for the per-family statistics: the catalog entry, instance shapes folded into their chip. */
export function family(hardware: string): string {
  return hardware.startsWith('trn2') ? 'trn2' : hardware;
}
