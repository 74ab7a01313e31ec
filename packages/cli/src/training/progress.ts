/**
 * A progress line on stderr: a bar on a terminal (redrawn in place), or a plain line every
 * tenth of the run otherwise (CI logs, pipes).
 */
export class Progress {
  private lastPrinted = -1;
  private readonly started = performance.now();
  private readonly startStep: number;

  constructor(
    private readonly label: string,
    private readonly total: number,
    startStep: number,
    private readonly write: (text: string) => void = (t) => process.stderr.write(t),
    private readonly isTerminal = Boolean(process.stderr.isTTY),
  ) {
    this.startStep = startStep;
  }

  update(step: number, fields: { loss: number; tokensPerSecond: number }): void {
    const done = step - this.startStep;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - step) : NaN;
    const text = `${this.label} ${step}/${this.total} loss ${fields.loss.toFixed(4)} ${Math.round(fields.tokensPerSecond).toLocaleString('en')} tok/s ETA ${formatDuration(eta)}`;
    if (this.isTerminal) {
      const width = 24;
      const filled = Math.round((step / this.total) * width);
      this.write(`\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${text}  `);
      if (step === this.total) this.write('\n');
      return;
    }
    const tenth = Math.floor((step / this.total) * 10);
    if (tenth !== this.lastPrinted || step === this.total) {
      this.lastPrinted = tenth;
      this.write(`${text}\n`);
    }
  }

  message(text: string): void {
    this.write(`${this.isTerminal ? '\n' : ''}${text}\n`);
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
