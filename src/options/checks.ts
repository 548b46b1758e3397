/** The checks every option resolver shares; messages name the option, never its value. */
import { SessionError } from '../errors';

/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis). */
export const MAX_LIFETIME = 400 * 24 * 3600;

/** A timeout in whole seconds, 0 (none) by default; at most 400 days. */
export function checkSeconds(option: string, value: unknown): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_LIFETIME) {
    throw invalid(option, `expected whole seconds from 1 to ${MAX_LIFETIME} (400 days), or 0 for none`);
  }
  return value as number;
}

export function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(option, 'expected true or false');
  return value;
}

export function invalid(option: string, message: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid session option \`${option}\`: ${message}`);
}
