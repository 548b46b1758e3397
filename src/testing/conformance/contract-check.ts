/** One check of the backend contract, before it is bound to a backend factory and becomes a public case. */
import type { SessionBackend } from '../../backends/backend';

export interface ContractCheck {
  /** The method or topic the check is about, as `write()`; absent for checks of the backend as a whole. */
  readonly group?: string;
  /** What the backend does, in the present tense. */
  readonly name: string;
  /** Why the check does not apply to this backend, when its capabilities rule it out. */
  readonly skip?: string;
  /** Rejects (an `AssertionError`, or the backend's own error) when the backend breaks the contract. */
  check(backend: SessionBackend): void | Promise<void>;
}

/** `check`, skipped with `reason` unless `supported`. */
export function onlyWhen(supported: boolean, reason: string, check: ContractCheck): ContractCheck {
  return supported ? check : { ...check, skip: reason };
}
