/**
 * SessionMiddleware: gives every request a lazy `req.session`, loads it up front where `autoload` says so, and
 * commits it before the response goes out.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ExpressMiddlewareInterface } from 'routing-controllers';
import { Container, Service } from 'typedi';
import type { SessionOptions } from '../options/session-options';
import type { SessionConfig } from '../session/config';
import { SessionRegistry, containerInstance, type SessionContainer } from '../options/registry';
import { resolveConfig } from './resolve-config';
import { answerError } from '../session/answer-error';
import { notConfigured, startSession } from './start-session';

/**
 * The session middleware. Apply it to controllers with `@UseBefore(SessionMiddleware)`; it reads the options that
 * `configureSessions()` registered. Deliberately not decorated with `@Middleware`: routing-controllers would install
 * it on every route of any app that lists no middlewares. For a global middleware, subclass it:
 * `@Middleware({ type: 'before' }) @Service() class Sessions extends SessionMiddleware {}`.
 *
 * Applied twice to one request (globally and on a controller), it acts once. Its errors (a store outage under
 * `autoload`, a schema rejection, a missing configuration) are answered as JSON with their status.
 *
 * Areas with sessions of their own (another cookie, another schema) are subclasses configured on their own:
 * `@Service() class AdminSessions extends SessionMiddleware {}` and `AdminSessions.configure({ ... })`.
 *
 * @example
 * @JsonController('/cart')
 * @UseBefore(SessionMiddleware)
 * @Service()
 * class CartController {
 *   @Get('/') async list(@Req() req: Request) { await req.session.load(); return req.session.items ?? []; }
 * }
 */
@Service()
export class SessionMiddleware implements ExpressMiddlewareInterface {
  private readonly registry: SessionRegistry;

  /** typedi injects the container's registry; without typedi, the global container's is used. */
  constructor(settings?: SessionRegistry) {
    this.registry = settings ?? Container.get(SessionRegistry);
  }

  /**
   * Checks `options` and registers them in `container` for this class, and for its subclasses not configured on
   * their own. `configureSessions(options)` is `SessionMiddleware.configure(options)`.
   *
   * @throws SessionError `INVALID_OPTION` naming the bad option (never echoing a secret).
   * @example
   * @Service() class AdminSessions extends SessionMiddleware {}
   * AdminSessions.configure({ secretKey, cookie: { name: '__Host-admin' }, schema: AdminSession });
   */
  static configure(options: SessionOptions, container: SessionContainer = Container): SessionConfig {
    const config = resolveConfig(options, container);
    containerInstance(container).get(SessionRegistry).set(this, config);
    return config;
  }

  /** Not async: express 5 would also handle a returned promise, and `next` must run once. */
  use(req: Request, res: Response, next: NextFunction): void {
    const config = this.registry.get(this.constructor as typeof SessionMiddleware);
    if (config === undefined) return answerError(undefined, req, res, notConfigured(this.constructor.name));
    startSession(config, req, res, next, this.constructor);
  }
}
