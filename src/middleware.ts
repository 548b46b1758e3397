/**
 * SessionMiddleware: gives every request a lazy `req.session`, loads it up front where `autoload` says so, and
 * commits it before the response goes out.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ExpressMiddlewareInterface } from 'routing-controllers';
import { Container, Service } from 'typedi';
import { SessionError } from './errors';
import { resolveSessionOptions, type SessionConfig, type SessionOptions } from './options';
import { SessionState } from './session/session';
import { SessionSettings, containerInstance, type SessionContainer } from './settings';


/**
 * The session middleware. Apply it to controllers with `@UseBefore(SessionMiddleware)`; it reads the options that
 * `configureSessions()` registered. Deliberately not decorated with `@Middleware`: routing-controllers would install
 * it on every route of any app that lists no middlewares. For a global middleware, subclass it:
 * `@Middleware({ type: 'before' }) @Service() class Sessions extends SessionMiddleware {}`.
 *
 * Applied twice to one request (globally and on a controller), it acts once.
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
  private readonly settings: SessionSettings;

  /** typedi injects the container's settings; without typedi, the global container's are used. */
  constructor(settings?: SessionSettings) {
    this.settings = settings ?? Container.get(SessionSettings);
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
    const instance = containerInstance(container);
    const config = resolveSessionOptions(options, backendClass => instance.get(backendClass));
    instance.get(SessionSettings).set(this, config);
    return config;
  }

  /** Not async: express 5 would also handle a returned promise, and `next` must run once. */
  use(req: Request, response: Response, next: NextFunction): void {
    const config = this.settings.get(this.constructor);
    if (config === undefined) {
      const name = this.constructor.name;
      return next(new SessionError('NOT_CONFIGURED', `Sessions are not configured for ${name}: call configureSessions() or ${name}.configure() at start-up`));
    }
    const existing = SessionState.of(req.session);
    if (existing !== undefined) {
      if (existing.config === config) return next();
      // One response can carry one held commit: a second configuration on the same request would be lost.
      return next(
        new SessionError(
          'MIDDLEWARE_CONFLICT',
          `Two session configurations apply to one request (${this.constructor.name} after another): give each area its own routes`,
        ),
      );
    }
    const state = new SessionState(config, req, response);
    req.session = state.session;
    if (config.autoload(req)) state.load().then(() => next(), next);
    else next();
  }
}
