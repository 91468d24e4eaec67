/**
 * The task clock: simulated milliseconds that run `speed` times faster than real time and can be
 * moved forward, so that tests can pass a task's duration or a link's 24 hours at once.
 */
export class SimClock {
  private realBase = Date.now();
  private simBase = Date.now();

  constructor(private speed: number) {}

  now(): number {
    return this.simBase + (Date.now() - this.realBase) * this.speed;
  }

  /** The real time (ms since the epoch) at which the task clock reads `simMs`; NaN while it stands still. */
  realTimeOf(simMs: number): number {
    return this.speed > 0 ? this.realBase + (simMs - this.simBase) / this.speed : Number.NaN;
  }

  setSpeed(speed: number): void {
    this.simBase = this.now();
    this.realBase = Date.now();
    this.speed = speed;
  }

  advance(ms: number): void {
    this.simBase += ms;
  }
}
