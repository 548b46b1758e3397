/** The start-up step both forms of the middleware share. */
import { installResponseHold } from '../http/response-hold';
import { resolveSessionOptions } from '../options/resolve-options';
import type { SessionOptions } from '../options/session-options';
import type { SessionConfig } from '../session/config';
import { containerInstance, type SessionContainer } from '../options/registry';

/**
 * Checks `options` into a configuration, resolving a backend class from `container`, and installs the response
 * hold: before the first request, so that no middleware can keep a reference to the unwrapped `res.end`.
 */
export function resolveConfig(options: SessionOptions, container: SessionContainer): SessionConfig {
  const instance = containerInstance(container);
  const config = resolveSessionOptions(options, backendClass => instance.get(backendClass));
  installResponseHold();
  return config;
}
