/** Where the test helpers find a session configuration: a configured middleware class, or the configuration itself. */
import { Container } from 'typedi';
import { isSessionBackend } from '../backends/backend';
import { SessionError } from '../errors';
import { type MiddlewareClass, type SessionContainer, SessionRegistry, containerInstance } from '../options/registry';
import type { SessionConfig } from '../session/config';

/**
 * The sessions a test helper works with: `SessionMiddleware` (or a subclass) once configured, or the
 * `SessionConfig` that `configureSessions()` and `SessionMiddleware.configure()` return.
 */
export type SessionSource = MiddlewareClass | SessionConfig;

/** Options of the test helpers. */
export interface SessionSourceOptions {
  /**
   * The typedi container the middleware class was configured in (`SessionMiddleware.configure(options, container)`).
   * @default typedi's global `Container`
   */
  container?: SessionContainer;
}

/** The configuration `source` stands for, as the middleware would find it. */
export function resolveSessionSource(source: SessionSource, options: SessionSourceOptions = {}): SessionConfig {
  if (typeof source === 'function') {
    // An arrow function has no prototype: a handler from sessionMiddleware(), not a class.
    if (source.prototype === undefined) throw handlerGiven();
    const config = containerInstance(options.container ?? Container)
      .get(SessionRegistry)
      .get(source);
    if (config === undefined) throw notConfigured(source.name, options.container !== undefined);
    return config;
  }
  if (isSessionConfig(source)) return source;
  throw new SessionError(
    'INVALID_ARGUMENT',
    'Expected SessionMiddleware (or a subclass) or the SessionConfig that configureSessions() returns',
  );
}

function isSessionConfig(value: unknown): value is SessionConfig {
  const candidate = value as Partial<SessionConfig> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    isSessionBackend(candidate.backend) &&
    typeof candidate.now === 'function' &&
    typeof candidate.cookie?.name === 'string'
  );
}

function notConfigured(className: string, ownContainer: boolean): SessionError {
  const name = className || 'This middleware class';
  return new SessionError(
    'NOT_CONFIGURED',
    `${name} has no session configuration in ${ownContainer ? 'the given container' : "typedi's global Container"}: ` +
      `call ${className || 'it'}.configure(options) (or configureSessions()) first, or pass { container } where it ` +
      'was configured',
  );
}

function handlerGiven(): SessionError {
  return new SessionError(
    'INVALID_ARGUMENT',
    'A sessionMiddleware() handler keeps its configuration to itself: pass the SessionConfig instead, from ' +
      'configureSessions(options) with the same options and backend instance',
  );
}
