/** `configureSessions()`: the one call that sets sessions up. */
import type { SessionOptions } from '../options/session-options';
import type { SessionConfig } from '../session/config';
import type { SessionContainer } from '../options/registry';
import { SessionMiddleware } from './session-middleware';

/**
 * Checks `options` once, at start-up, and registers them in `container` (typedi's global `Container` by default)
 * for `SessionMiddleware` and every subclass not configured on its own. Calling it again replaces the
 * configuration. The same as `SessionMiddleware.configure(options, container)`.
 *
 * @throws SessionError `INVALID_OPTION` naming the bad option (never echoing a secret).
 * @example
 * useContainer(Container);
 * configureSessions({ secretKey: process.env.SESSION_SECRET!, autoload: true });
 */
export function configureSessions(options: SessionOptions, container?: SessionContainer): SessionConfig {
  return SessionMiddleware.configure(options, container);
}
