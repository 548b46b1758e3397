/** Where configured sessions live in a typedi container. */
import { Container, ContainerInstance, Service } from 'typedi';
import type { SessionConfig } from '../session/config';

/** A middleware class: the key of a configuration. */
export type MiddlewareClass = abstract new (...args: never[]) => object;

/** A typedi container: the global `Container` or one from `Container.of(id)`. */
export type SessionContainer = ContainerInstance | typeof Container;

/**
 * The session configurations of one typedi container, by middleware class. Middleware instances keep this object,
 * not a configuration, so a later configuration reaches instances that already exist.
 */
@Service()
export class SessionRegistry {
  private readonly configs = new Map<unknown, SessionConfig>();

  /** The configuration of `middleware`, or of the nearest configured class it extends. */
  get(middleware: MiddlewareClass): SessionConfig | undefined {
    for (let type: unknown = middleware; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
      const config = this.configs.get(type);
      if (config !== undefined) return config;
    }
    return undefined;
  }

  /** Sets (or, with `undefined`, removes) the configuration of `middleware`. */
  set(middleware: MiddlewareClass, config: SessionConfig | undefined): void {
    if (config === undefined) this.configs.delete(middleware);
    else this.configs.set(middleware, config);
  }
}

/** `container` as an instance: the global `Container` class stands for its default instance. */
export function containerInstance(container: SessionContainer): ContainerInstance {
  return container === Container ? Container.of() : (container as ContainerInstance);
}

/** @deprecated Since 0.3: renamed {@link SessionRegistry}; `Container.get()` gives the same instance for either. */
export const SessionSettings = SessionRegistry;
/** @deprecated Since 0.3: renamed {@link SessionRegistry}. */
export type SessionSettings = SessionRegistry;
