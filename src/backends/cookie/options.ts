/**
 * The options both cookie backends (signed and encrypted) take, checked once in their constructors. Messages name
 * the backend and the option, never a secret.
 */
import { SessionError } from '../../errors';
import { checkSecrets } from '../../internal/secrets';

/** The checked options of a cookie backend. */
export interface ResolvedCookieBackendOptions {
  /** Newest first: the first seals, all open. */
  readonly secrets: readonly string[];
  readonly maxAge: number | undefined;
  readonly purpose: string | undefined;
}

/**
 * Checks `secretKey`, `maxAge` and `purpose` of the options given to the backend called `backend`.
 *
 * @throws SessionError `INVALID_OPTION` naming the backend and the option.
 */
export function checkCookieBackendOptions(backend: string, options: unknown): ResolvedCookieBackendOptions {
  const given = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const secrets = checkSecrets(given.secretKey);
  if (typeof secrets === 'string') throw invalid(backend, 'secretKey', secrets);
  const maxAge = given.maxAge;
  if (maxAge !== undefined && !(typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge > 0)) {
    throw invalid(backend, 'maxAge', 'expected a whole number of seconds > 0');
  }
  const purpose = given.purpose;
  if (purpose !== undefined && (typeof purpose !== 'string' || purpose.length === 0)) {
    throw invalid(backend, 'purpose', 'expected a non-empty string');
  }
  return { secrets, maxAge, purpose };
}

function invalid(backend: string, option: string, message: string): SessionError {
  return new SessionError('INVALID_OPTION', `Invalid ${backend} option \`${option}\`: ${message}`);
}
