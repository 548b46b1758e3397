/**
 * A bounded memory of cookie values a cookie backend sealed or opened lately. A browser sends back exactly what it
 * was given, so most requests skip the cryptography; what a value carries never changes, so a hit needs no check
 * beyond the age, which the backend applies on every read.
 */

/** What a genuine cookie value carries. */
export interface OpenedValue {
  /** The session's JSON text. */
  readonly text: string;
  /** When it was sealed (or signed), unix seconds. */
  readonly timestamp: number;
  /** Which key sealed it: 0 is the newest. */
  readonly keyIndex: number;
}

/** Values remembered: enough for the sessions active in one process at a time. */
const CAPACITY = 1024;

/** Cookie values with what they carry, oldest dropped first beyond {@link CAPACITY}. */
export class OpenedValueCache {
  private readonly values = new Map<string, OpenedValue>();

  /** What `value` carries, if it was remembered. */
  get(value: string): OpenedValue | undefined {
    return this.values.get(value);
  }

  /** Remembers `value`; only ever call it with a value this backend sealed or has just opened. */
  remember(value: string, opened: OpenedValue): void {
    if (this.values.size >= CAPACITY) this.values.delete(this.values.keys().next().value as string);
    this.values.set(value, opened);
  }
}
