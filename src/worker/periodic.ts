/**
 * Runs an async task every `intervalMs` ± `jitter` (a fraction), never overlapping itself. Several
 * workers started together thus spread their rescues and prunes instead of running them in step.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly jitter = 0.2,
  ) {}

  start(runNow = false): void {
    this.running = true;
    if (runNow) this.run();
    else this.schedule();
  }

  /** Resolves when the run under way, if any, has ended. */
  idle(): Promise<void> {
    return this.current ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(): void {
    if (!this.running) return;
    const delay = this.intervalMs * (1 - this.jitter + Math.random() * 2 * this.jitter);
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref();
  }

  private run(): void {
    this.current = this.task().finally(() => {
      this.current = undefined;
      this.schedule();
    });
  }
}
