/** Wall times of the end-to-end phases, printed as one table at the end of a test file. */
export class Figures {
  private readonly rows: [string, number][] = [];

  /** Runs `action` and records how long it took under `label`. */
  async time<T>(label: string, action: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await action();
    } finally {
      this.record(label, Date.now() - start);
    }
  }

  record(label: string, milliseconds: number): void {
    this.rows.push([label, milliseconds]);
  }

  get(label: string): number | undefined {
    return this.rows.find(([l]) => l === label)?.[1];
  }

  print(): void {
    if (this.rows.length === 0) return;
    const width = Math.max(...this.rows.map(([label]) => label.length));
    const lines = this.rows.map(([label, ms]) => `  ${label.padEnd(width)}  ${(ms / 1000).toFixed(1).padStart(7)} s`);
    console.log(["", "Figures (this machine, this run):", ...lines].join("\n"));
  }
}
