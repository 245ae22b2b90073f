/** A one-line progress bar redrawn with "\r" (batch kubeconfig user on a terminal). */
export class ProgressBar {
  private n = 0;
  /** `write` receives the bar's text; `total` is the number of ticks to come. */
  constructor(private readonly write: (text: string) => void, private readonly total: number) {}

  tick(): void {
    this.n++;
    if (this.n % Math.max(1, Math.floor(this.total / 50)) !== 0 && this.n !== this.total) return;
    const width = 30;
    const filled = Math.round((this.n / this.total) * width);
    this.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.n}/${this.total}`);
  }

  done(): void {
    this.write('\n');
  }
}
