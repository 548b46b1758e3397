/**
 * `configureSessions()`: checks the options once, at start-up, and registers the result in a typedi container,
 * where `SessionMiddleware` finds it.
 */
import { Container, ContainerInstance } from 'typedi';
import { SessionMiddleware } from './middleware';
import { SESSION_CONFIG, SessionConfig, SessionOptions, resolveSessionOptions } from './options';

/**
 * Checks `options` and registers them for `SessionMiddleware` in `container` (typedi's global `Container` by
 * default). Call it at start-up, before the first request; calling it again replaces the configuration.
 *
 * @throws SessionError `INVALID_OPTION` naming the bad option (never echoing a secret).
 * @example
 * useContainer(Container);
 * configureSessions({ secretKey: process.env.SESSION_SECRET!, autoload: true });
 */
export function configureSessions(
  options: SessionOptions,
  container: ContainerInstance | typeof Container = Container,
): SessionConfig {
  const target: ContainerInstance = container === Container ? Container.of() : (container as ContainerInstance);
  const config = resolveSessionOptions(options, backendClass => target.get(backendClass));
  target.set(SESSION_CONFIG, config);
  // Drops a middleware instance built from an earlier configuration; the next request builds a new one.
  target.set({ id: SessionMiddleware, type: SessionMiddleware });
  return config;
}
