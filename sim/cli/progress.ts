import type { Progress } from '../run.js';

/**
 * A one-line progress bar on stderr: simulated time, requests, ETA. Shown only on a
 * terminal, and only once a run has lasted longer than `delay_ms`, so short runs and
 * piped output stay clean.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly delay_ms = 500,
  ) {}

  static enabled(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
    return !quiet && stream.isTTY === true;
  }

  update(p: Progress): void {
    const now = Date.now();
    const elapsed = now - this.started;
    if (elapsed < this.delay_ms || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const frac = Math.min(1, p.now_s / p.duration_s);
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = frac > 0 ? (elapsed / frac - elapsed) / 1000 : NaN;
    const draining = p.now_s >= p.duration_s ? ' draining' : '';
    const line =
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
      `t=${p.now_s.toFixed(0)}/${p.duration_s}s ${p.ended}/${p.generated} req${draining} ` +
      `ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
    this.drawn = true;
  }

  /** Progress of a batch of runs: `done` of `total`, with ETA. */
  count(done: number, total: number): void {
    const now = Date.now();
    const elapsed = now - this.started;
    if (elapsed < this.delay_ms || (now - this.lastDraw < 100 && done < total)) return;
    this.lastDraw = now;
    const frac = total > 0 ? done / total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = frac > 0 ? (elapsed / frac - elapsed) / 1000 : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : '?'}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}
