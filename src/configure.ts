/**
 * `configureSessions()`: checks the options once, at start-up, and hands the result to the typedi container,
 * where `SessionMiddleware` finds it.
 */
import { Container, ContainerInstance, Service } from 'typedi';
import { SessionConfig, SessionOptions, resolveSessionOptions } from './options';

/**
 * The configuration slot of one typedi container. Middleware instances keep the slot, not its content, so a
 * later `configureSessions()` reaches instances that already exist (subclasses included).
 */
@Service()
export class SessionSettings {
  config: SessionConfig | undefined;
}

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
  target.get(SessionSettings).config = config;
  return config;
}
