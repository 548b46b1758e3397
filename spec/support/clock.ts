/** A clock that moves only when told, for expiry specs. */
export class FakeClock {
  constructor(private ms = Date.UTC(2026, 0, 1)) {}

  /** The `clock` option: milliseconds since the epoch. */
  readonly now = (): number => this.ms;

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** Current time in unix seconds. */
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}
