/** The `backend` option: an instance, a class resolved from typedi, or a cookie backend class built from `secretKey`. */
import { isSessionBackend, type SessionBackend } from '../backends/backend';
import { CookieBackend } from '../backends/cookie/signed';
import { StatelessCookieBackend } from '../backends/cookie/stateless';
import { SessionError } from '../errors';
import { checkSecrets } from '../internal/secrets';
import { invalid } from './checks';
import type { BackendClass, SessionOptions } from './session-options';

/** Resolves a backend class to an instance; typedi's `Container.get` in practice. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- typedi's own identifier type: any function
export type BackendResolver = (backendClass: Function) => unknown;

/** The backend `options` ask for, with `cookieName` as a cookie backend's purpose. */
export function resolveBackend(
  options: SessionOptions,
  resolveClass: BackendResolver,
  cookieName: string,
): SessionBackend {
  const { backend, secretKey } = options;
  const secrets = secretKey === undefined ? undefined : checkSecrets(secretKey);
  if (typeof secrets === 'string') throw invalid('secretKey', secrets);

  const cookieBacked = backend === undefined || (typeof backend === 'function' && isCookieBackendClass(backend));
  if (cookieBacked) {
    if (secrets === undefined) {
      throw invalid(
        'secretKey',
        'required for the cookie backend (the default); pass `secretKey: process.env.SESSION_SECRET`',
      );
    }
    // CookieBackend, EncryptedCookieBackend or a subclass: all take these options.
    const CookieClass = (backend ?? CookieBackend) as typeof CookieBackend;
    // Signed (or sealed) for this cookie name: a cookie of another area sharing the secret does not open here.
    return new CookieClass({ secretKey: secrets, purpose: cookieName });
  }
  if (typeof backend === 'function') {
    let instance: unknown;
    try {
      instance = resolveClass(backend);
    } catch (error) {
      throw new SessionError(
        'INVALID_OPTION',
        `Invalid session option \`backend\`: ${backend.name || 'the class'} could not be resolved from the container; ` +
          'decorate it with @Service() or register an instance with Container.set()',
        { cause: error },
      );
    }
    if (!isSessionBackend(instance)) throw invalid('backend', `${backend.name} does not extend SessionBackend`);
    return instance;
  }
  if (!isSessionBackend(backend)) {
    throw invalid('backend', 'expected a SessionBackend instance or class (with read, write and remove)');
  }
  return backend;
}

/** The built-in backends that keep the session in the cookie, and their subclasses: built from `secretKey`. */
function isCookieBackendClass(backendClass: BackendClass): boolean {
  return backendClass.prototype instanceof StatelessCookieBackend;
}
